import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  generatePublisherKeys,
  type PackageSignatureSubject,
  packageSignatureStatement,
  SignatureSubjectError,
  sha256Hex,
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

describe("signing: the edges", () => {
  it("hashes bytes to 64 lowercase hex digits", () => {
    expect(sha256Hex(Buffer.from("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("says which rule a subject breaks", () => {
    expect(() => packageSignatureStatement({ ...subject, sha256: `${"a".repeat(64)}\n` })).toThrow(
      new SignatureSubjectError("sha256 must be 64 lowercase hex digits"),
    );
    expect(() => packageSignatureStatement({ ...subject, sha256: `x${"a".repeat(64)}` })).toThrow(
      "sha256 must be 64 lowercase hex digits",
    );
    for (const field of ["packageId", "version", "publisher"] as const) {
      for (const value of ["", "a\u0000b", "a\u001fb", "a\u007f"]) {
        expect(
          () => packageSignatureStatement({ ...subject, [field]: value }),
          `${field}=${JSON.stringify(value)}`,
        ).toThrow(`${field} must be non-empty and free of control characters`);
      }
    }
    expect(new SignatureSubjectError("x").name).toBe("SignatureSubjectError");
  });

  it("accepts spaces and non-ASCII text in values, written as UTF-8", () => {
    const statement = packageSignatureStatement({
      ...subject,
      packageId: "caf\u00e9 pack",
      publisher: "~acme",
    });
    expect(statement.toString("utf8").split("\n").slice(1, 2)).toEqual(["packageId=caf\u00e9 pack"]);
    expect(statement.includes(Buffer.from("caf\u00e9", "utf8"))).toBe(true);
    expect(statement.toString("utf8").endsWith("publisher=~acme\n")).toBe(true);
  });

  it("signs the statement itself: the signature verifies over those bytes with the publisher's key", () => {
    const signature = signPackage(subject, acme.privateKey);
    expect(
      verify(
        null,
        packageSignatureStatement(subject),
        createPublicKey(acme.publicKeyPem),
        Buffer.from(signature, "base64"),
      ),
    ).toBe(true);
    const digestOnly = signDigest(subject.sha256, acme.privateKey);
    expect(
      verify(
        null,
        Buffer.from(subject.sha256),
        createPublicKey(acme.publicKeyPem),
        Buffer.from(digestOnly, "base64"),
      ),
    ).toBe(true);
    expect(verifyDigestSignature(subject.sha256, digestOnly, acme.publicKeyPem)).toBe(true);
    expect(verifyDigestSignature("b".repeat(64), digestOnly, acme.publicKeyPem)).toBe(false);
  });

  it("verifies Ed25519 only: a valid signature by another kind of key is refused", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed448");
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const statementSignature = sign(null, packageSignatureStatement(subject), privateKey).toString("base64");
    expect(
      verify(null, packageSignatureStatement(subject), publicKey, Buffer.from(statementSignature, "base64")),
    ).toBe(true);
    expect(verifyPackageSignature(subject, statementSignature, pem)).toBe(false);
    const digestSignature = sign(null, Buffer.from(subject.sha256), privateKey).toString("base64");
    expect(verifyDigestSignature(subject.sha256, digestSignature, pem)).toBe(false);
  });

  it("is false, not an error, for a key that is no key or a signature that is no signature", () => {
    const signature = signPackage(subject, acme.privateKey);
    expect(verifyPackageSignature(subject, signature, "not a PEM")).toBe(false);
    expect(verifyPackageSignature(subject, "", acme.publicKeyPem)).toBe(false);
    expect(verifyPackageSignature({ ...subject, sha256: "nope" }, signature, acme.publicKeyPem)).toBe(false);
  });

  it("makes Ed25519 publisher keys whose public half is SPKI PEM", () => {
    const keys = generatePublisherKeys();
    expect(keys.privateKey.asymmetricKeyType).toBe("ed25519");
    expect(keys.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    expect(createPublicKey(keys.publicKeyPem).asymmetricKeyType).toBe("ed25519");
  });
});
