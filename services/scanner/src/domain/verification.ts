import { type InstallEventOf, verifyDigestSignature, verifyPackageSignature } from "@installhub/shared";
import { type Finding, finding } from "./findings.ts";

type Request = Pick<
  InstallEventOf<"InstallRequested">,
  "packageId" | "version" | "trustLevel" | "archive" | "publisher"
>;

export interface SignaturePolicy {
  /**
   * Accept a signature over the archive's sha256 alone (the form before the package signature
   * statement) with a warning. Off by default: such a signature lets a signed archive of one package
   * or version be listed as another (SCAN_ACCEPT_DIGEST_ONLY_SIGNATURES).
   */
  acceptDigestOnly: boolean;
}

/** The downloaded bytes must be the ones the catalog describes; anything else is never inspected. */
export function digestFinding(request: Pick<Request, "archive">, actualSha256: string): Finding | undefined {
  if (actualSha256 === request.archive.sha256) return undefined;
  return finding(
    "integrity.digest-mismatch",
    "critical",
    request.archive.path,
    `archive sha256 is ${actualSha256}, the catalog expects ${request.archive.sha256}`,
  );
}

/**
 * Official and Verified packages must carry a signature that verifies against the publisher's key
 * over the package signature statement of exactly this request: its packageId, version, archive
 * sha256 and publisher id (`packageSignatureStatement` in @installhub/shared). A signature made for
 * another package, version or publisher fails at every trust level (TUF's mix-and-match attack).
 * An unsigned Community package is a warning the administrator acknowledged when installing it.
 */
export function signatureFindings(request: Request, policy: SignaturePolicy): Finding[] {
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
  const subject = {
    packageId: request.packageId,
    version: request.version,
    sha256,
    publisher: request.publisher.id,
  };
  if (verifyPackageSignature(subject, signature, publicKey)) return [];
  const named = `${request.packageId}@${request.version} from ${request.publisher.id}`;
  if (verifyDigestSignature(sha256, signature, publicKey)) {
    return policy.acceptDigestOnly
      ? [
          finding(
            "signature.digest-only",
            "warning",
            path,
            `the signature covers only the archive's sha256, not that it is ${named} (accepted: SCAN_ACCEPT_DIGEST_ONLY_SIGNATURES)`,
          ),
        ]
      : [
          finding(
            "signature.invalid",
            "critical",
            path,
            `the signature covers only the archive's sha256, not that it is ${named}; digest-only signatures are refused`,
          ),
        ];
  }
  return [
    finding(
      "signature.invalid",
      "critical",
      path,
      `signature does not verify against ${request.publisher.id}'s key as ${named}`,
    ),
  ];
}
