import { generatePublisherKeys, sha256Hex, signDigest } from "@installhub/shared";
import { describe, expect, it } from "vitest";
import { digestFinding, signatureFindings } from "./verification.ts";

const sha = sha256Hex(Buffer.from("archive bytes"));
const acme = generatePublisherKeys();
const other = generatePublisherKeys();

function request(overrides: {
  trustLevel?: "Official" | "Verified" | "Community";
  signature?: string | null;
  publicKey?: string | null;
}) {
  return {
    trustLevel: overrides.trustLevel ?? "Verified",
    archive: {
      path: "packages/p/p-1.0.0.tgz",
      sha256: sha,
      sizeBytes: 13,
      signature: overrides.signature === undefined ? signDigest(sha, acme.privateKey) : overrides.signature,
    },
    publisher: {
      id: "acme",
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
  it("accepts a signature that verifies against the publisher's key", () => {
    expect(signatureFindings(request({ trustLevel: "Official" }))).toEqual([]);
    expect(signatureFindings(request({ trustLevel: "Verified" }))).toEqual([]);
    expect(signatureFindings(request({ trustLevel: "Community" }))).toEqual([]);
  });

  it("fails Official and Verified packages without a signature", () => {
    expect(rules(signatureFindings(request({ trustLevel: "Official", signature: null })))).toEqual([
      ["signature.missing", "critical"],
    ]);
    expect(rules(signatureFindings(request({ trustLevel: "Verified", signature: null })))).toEqual([
      ["signature.missing", "critical"],
    ]);
  });

  it("warns about an unsigned Community package", () => {
    const findings = signatureFindings(
      request({ trustLevel: "Community", signature: null, publicKey: null }),
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
        rules(signatureFindings(request({ trustLevel, signature: signDigest(sha, other.privateKey) }))),
      ).toEqual([["signature.invalid", "critical"]]);
      expect(
        rules(
          signatureFindings(request({ trustLevel, signature: signDigest("c".repeat(64), acme.privateKey) })),
        ),
      ).toEqual([["signature.invalid", "critical"]]);
    }
    expect(rules(signatureFindings(request({ signature: "not base64 at all" })))).toEqual([
      ["signature.invalid", "critical"],
    ]);
  });

  it("cannot verify without a publisher key: critical for Verified, a warning for Community", () => {
    expect(rules(signatureFindings(request({ publicKey: null })))).toEqual([
      ["signature.unverifiable", "critical"],
    ]);
    expect(rules(signatureFindings(request({ trustLevel: "Community", publicKey: null })))).toEqual([
      ["signature.unverifiable", "warning"],
    ]);
  });
});
