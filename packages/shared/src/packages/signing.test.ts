import { describe, expect, it } from "vitest";
import {
  generatePublisherKeys,
  type PackageSignatureSubject,
  packageSignatureStatement,
  SignatureSubjectError,
  signDigest,
  signPackage,
  verifyDigestSignature,
  verifyPackageSignature,
} from "./signing.ts";

const subject: PackageSignatureSubject = {
  packageId: "acme-invoice-workflows",
  version: "3.0.0",
  sha256: "a".repeat(64),
  publisher: "acme",
};
const acme = generatePublisherKeys();

describe("package signature statement", () => {
  it("is the domain line and four fields, in a fixed order, each line ended by LF", () => {
    expect(packageSignatureStatement(subject).toString("utf8")).toBe(
      [
        "installhub-package-signature-v1",
        "packageId=acme-invoice-workflows",
        "version=3.0.0",
        `sha256=${"a".repeat(64)}`,
        "publisher=acme",
        "",
      ].join("\n"),
    );
  });

  it("refuses values that could end a line early or say nothing, and digests that are not lowercase hex", () => {
    for (const bad of [
      { ...subject, packageId: "a\nversion=9.9.9" },
      { ...subject, version: "1.0.0\r" },
      { ...subject, publisher: "" },
      { ...subject, publisher: "acme\u007f" },
      { ...subject, sha256: "A".repeat(64) },
      { ...subject, sha256: "a".repeat(63) },
    ]) {
      expect(() => packageSignatureStatement(bad)).toThrow(SignatureSubjectError);
    }
  });

  it("verifies only for the package, version, digest and publisher it was made for", () => {
    const signature = signPackage(subject, acme.privateKey);
    expect(verifyPackageSignature(subject, signature, acme.publicKeyPem)).toBe(true);
    for (const other of [
      { ...subject, packageId: "acme-reporting-pack" },
      { ...subject, version: "2.1.0" },
      { ...subject, sha256: "b".repeat(64) },
      { ...subject, publisher: "globex" },
      { ...subject, packageId: "a\nb" },
    ]) {
      expect(verifyPackageSignature(other, signature, acme.publicKeyPem)).toBe(false);
    }
    expect(verifyPackageSignature(subject, signature, generatePublisherKeys().publicKeyPem)).toBe(false);
  });

  it("keeps statement and digest-only signatures apart: neither verifies as the other", () => {
    expect(
      verifyDigestSignature(subject.sha256, signPackage(subject, acme.privateKey), acme.publicKeyPem),
    ).toBe(false);
    expect(
      verifyPackageSignature(subject, signDigest(subject.sha256, acme.privateKey), acme.publicKeyPem),
    ).toBe(false);
  });
});
