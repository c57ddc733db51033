import { type InstallEventOf, verifyDigestSignature } from "@installhub/shared";
import { type Finding, finding } from "./findings.ts";

type Request = Pick<InstallEventOf<"InstallRequested">, "trustLevel" | "archive" | "publisher">;

/** The downloaded bytes must be the ones the catalog describes; anything else is never inspected. */
export function digestFinding(request: Request, actualSha256: string): Finding | undefined {
  if (actualSha256 === request.archive.sha256) return undefined;
  return finding(
    "integrity.digest-mismatch",
    "critical",
    request.archive.path,
    `archive sha256 is ${actualSha256}, the catalog expects ${request.archive.sha256}`,
  );
}

/**
 * Official and Verified packages must carry a signature that verifies against the publisher's key.
 * An unsigned Community package is a warning the administrator acknowledged when installing it.
 */
export function signatureFindings(request: Request): Finding[] {
  const { signature, path, sha256 } = request.archive;
  const publicKey = request.publisher.publicKey;
  const mustBeSigned = request.trustLevel !== "Community";
  if (signature === null) {
    return mustBeSigned
      ? [finding("signature.missing", "critical", path, `${request.trustLevel} package is not signed`)]
      : [finding("signature.unsigned-community", "warning", path, "unsigned Community package")];
  }
  if (publicKey === null) {
    return [
      finding(
        "signature.unverifiable",
        mustBeSigned ? "critical" : "warning",
        path,
        `publisher ${request.publisher.id} has no public key on file to verify the signature`,
      ),
    ];
  }
  if (!verifyDigestSignature(sha256, signature, publicKey)) {
    return [
      finding(
        "signature.invalid",
        "critical",
        path,
        `signature does not verify against ${request.publisher.id}'s key`,
      ),
    ];
  }
  return [];
}
