import { generatePublisherKeys, sha256Hex, signDigest, signPackage } from "@installhub/shared";
import { describe, expect, it } from "vitest";
import { digestFinding, type SignaturePolicy, signatureFindings } from "./verification.ts";

const sha = sha256Hex(Buffer.from("archive bytes"));
const acme = generatePublisherKeys();
const other = generatePublisherKeys();
const strict: SignaturePolicy = { acceptDigestOnly: false };
const subject = { packageId: "acme-invoice-workflows", version: "3.0.0", sha256: sha, publisher: "acme" };

function request(overrides: {
  trustLevel?: "Official" | "Verified" | "Community";
  signature?: string | null;
  publicKey?: string | null;
  packageId?: string;
  version?: string;
  publisherId?: string;
}) {
  return {
    packageId: overrides.packageId ?? subject.packageId,
    version: overrides.version ?? subject.version,
    trustLevel: overrides.trustLevel ?? "Verified",
    archive: {
      path: "packages/p/p-1.0.0.tgz",
      sha256: sha,
      sizeBytes: 13,
      signature:
        overrides.signature === undefined ? signPackage(subject, acme.privateKey) : overrides.signature,
    },
    publisher: {
      id: overrides.publisherId ?? "acme",
      name: "ACME",
      publicKey: overrides.publicKey === undefined ? acme.publicKeyPem : overrides.publicKey,
    },
  };
}
const rules = (findings: { ruleId: string; severity: string }[]) =>
  findings.map((f) => [f.ruleId, f.severity]);

describe("digestFinding", () => {
  it("is silent when the digest matches and names both digests when not", () => {
    expect(digestFinding(request({}), sha)).toBeUndefined();
    const other = "b".repeat(64);
    const mismatch = digestFinding(request({}), other);
    expect(mismatch).toMatchObject({
      ruleId: "integrity.digest-mismatch",
      severity: "critical",
      file: "packages/p/p-1.0.0.tgz",
    });
    expect(mismatch?.message).toContain(sha);
    expect(mismatch?.message).toContain(other);
  });
});

describe("signatureFindings", () => {
  it("accepts a statement signature for exactly this package, version, digest and publisher", () => {
    for (const trustLevel of ["Official", "Verified", "Community"] as const) {
      expect(signatureFindings(request({ trustLevel }), strict)).toEqual([]);
    }
  });

  it("fails a valid signature of one package or version listed as another (mix-and-match)", () => {
    for (const listedAs of [
      { packageId: "acme-reporting-pack" },
      { version: "2.1.0" },
      { publisherId: "globex", publicKey: acme.publicKeyPem },
    ]) {
      for (const trustLevel of ["Verified", "Community"] as const) {
        const findings = signatureFindings(request({ trustLevel, ...listedAs }), strict);
        expect(rules(findings)).toEqual([["signature.invalid", "critical"]]);
      }
    }
    const [asB] = signatureFindings(request({ packageId: "acme-reporting-pack" }), strict);
    expect(asB?.message).toContain("acme-reporting-pack@3.0.0 from acme");
  });

  it("refuses a digest-only signature unless told to accept it, and then warns", () => {
    const digestOnly = request({ signature: signDigest(sha, acme.privateKey) });
    const refused = signatureFindings(digestOnly, strict);
    expect(rules(refused)).toEqual([["signature.invalid", "critical"]]);
    expect(refused[0]?.message).toContain("covers only the archive's sha256");
    expect(rules(signatureFindings(digestOnly, { acceptDigestOnly: true }))).toEqual([
      ["signature.digest-only", "warning"],
    ]);
    const wrongDigest = request({ signature: signDigest("c".repeat(64), acme.privateKey) });
    expect(rules(signatureFindings(wrongDigest, { acceptDigestOnly: true }))).toEqual([
      ["signature.invalid", "critical"],
    ]);
  });

  it("fails Official and Verified packages without a signature", () => {
    for (const trustLevel of ["Official", "Verified"] as const) {
      expect(rules(signatureFindings(request({ trustLevel, signature: null }), strict))).toEqual([
        ["signature.missing", "critical"],
      ]);
    }
  });

  it("warns about an unsigned Community package", () => {
    const findings = signatureFindings(
      request({ trustLevel: "Community", signature: null, publicKey: null }),
      strict,
    );
    expect(findings).toEqual([
      {
        ruleId: "signature.unsigned-community",
        severity: "warning",
        file: "packages/p/p-1.0.0.tgz",
        message: "unsigned Community package",
      },
    ]);
  });

  it("fails a signature made with another key, or over another digest, whatever the trust level", () => {
    for (const trustLevel of ["Verified", "Community"] as const) {
      expect(
        rules(
          signatureFindings(
            request({ trustLevel, signature: signPackage(subject, other.privateKey) }),
            strict,
          ),
        ),
      ).toEqual([["signature.invalid", "critical"]]);
      const otherDigest = signPackage({ ...subject, sha256: "c".repeat(64) }, acme.privateKey);
      expect(rules(signatureFindings(request({ trustLevel, signature: otherDigest }), strict))).toEqual([
        ["signature.invalid", "critical"],
      ]);
    }
    expect(rules(signatureFindings(request({ signature: "not base64 at all" }), strict))).toEqual([
      ["signature.invalid", "critical"],
    ]);
  });

  it("cannot verify without a publisher key: critical for Verified, a warning for Community", () => {
    expect(rules(signatureFindings(request({ publicKey: null }), strict))).toEqual([
      ["signature.unverifiable", "critical"],
    ]);
    expect(rules(signatureFindings(request({ trustLevel: "Community", publicKey: null }), strict))).toEqual([
      ["signature.unverifiable", "warning"],
    ]);
  });
});

describe("signatureFindings: what each finding says", () => {
  const path = "packages/p/p-1.0.0.tgz";

  it("names the trust level of an unsigned package and the publisher without a key", () => {
    expect(signatureFindings(request({ trustLevel: "Official", signature: null }), strict)).toEqual([
      {
        ruleId: "signature.missing",
        severity: "critical",
        file: path,
        message: "Official package is not signed",
      },
    ]);
    expect(signatureFindings(request({ publicKey: null }), strict)).toEqual([
      {
        ruleId: "signature.unverifiable",
        severity: "critical",
        file: path,
        message: "publisher acme has no public key on file to verify the signature",
      },
    ]);
  });

  it("says whether a refused signature was digest-only or made for something else", () => {
    const named = "acme-invoice-workflows@3.0.0 from acme";
    const digestOnly = request({ signature: signDigest(sha, acme.privateKey) });
    expect(signatureFindings(digestOnly, strict)).toEqual([
      {
        ruleId: "signature.invalid",
        severity: "critical",
        file: path,
        message: `the signature covers only the archive's sha256, not that it is ${named}; digest-only signatures are refused`,
      },
    ]);
    expect(signatureFindings(digestOnly, { acceptDigestOnly: true })).toEqual([
      {
        ruleId: "signature.digest-only",
        severity: "warning",
        file: path,
        message: `the signature covers only the archive's sha256, not that it is ${named} (accepted: SCAN_ACCEPT_DIGEST_ONLY_SIGNATURES)`,
      },
    ]);
    expect(signatureFindings(request({ signature: signPackage(subject, other.privateKey) }), strict)).toEqual(
      [
        {
          ruleId: "signature.invalid",
          severity: "critical",
          file: path,
          message: `signature does not verify against acme's key as ${named}`,
        },
      ],
    );
  });

  it("names the digest it found and the one the catalog expects", () => {
    expect(digestFinding(request({}), "b".repeat(64))?.message).toBe(
      `archive sha256 is ${"b".repeat(64)}, the catalog expects ${sha}`,
    );
  });
});
