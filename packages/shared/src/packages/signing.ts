import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** What a publisher's signature vouches for: this archive is this package, at this version, from them. */
export interface PackageSignatureSubject {
  packageId: string;
  version: string;
  /** The archive's sha256, 64 lowercase hex digits. */
  sha256: string;
  /** The catalog's publisher id (the owner of the key that signs). */
  publisher: string;
}

/** First line of every statement: a signature made for anything else can never verify as one. */
export const packageSignatureDomain = "installhub-package-signature-v1";

/** A subject that cannot be written as a statement (a control character, an empty value, a bad digest). */
export class SignatureSubjectError extends Error {
  override readonly name = "SignatureSubjectError";
}

const fields = ["packageId", "version", "sha256", "publisher"] as const;

/**
 * The exact bytes a publisher signs with Ed25519 (RFC 8032, the message itself, no pre-hash): UTF-8,
 * five lines, each ended by LF, in this order and nothing else —
 *
 * ```text
 * installhub-package-signature-v1
 * packageId=<packageId>
 * version=<version>
 * sha256=<64 lowercase hex digits>
 * publisher=<publisher id>
 * ```
 *
 * Binding the package, version and publisher closes TUF's mix-and-match attack (a validly signed
 * archive of one package or version listed as another). Values may not be empty or hold control
 * characters, so no value can end its line early and forge the next: the encoding is injective. The
 * domain line keeps these signatures apart from the digest-only ones of before (a 64-hex message) and
 * from anything else the key might sign. The same with a shell (OpenSSL 3):
 * `printf 'installhub-package-signature-v1\npackageId=%s\nversion=%s\nsha256=%s\npublisher=%s\n' … > s.txt`,
 * then `openssl pkeyutl -sign -inkey publisher.pem -rawin -in s.txt | base64 -w0`.
 *
 * @throws SignatureSubjectError when a value cannot be written unambiguously.
 */
export function packageSignatureStatement(subject: PackageSignatureSubject): Buffer {
  if (!/^[a-f0-9]{64}$/.test(subject.sha256)) {
    throw new SignatureSubjectError("sha256 must be 64 lowercase hex digits");
  }
  for (const field of fields) {
    const value = subject[field];
    if (value === "" || [...value].some((char) => char.codePointAt(0)! < 0x20 || char === "\u007f")) {
      throw new SignatureSubjectError(`${field} must be non-empty and free of control characters`);
    }
  }
  const lines = [packageSignatureDomain, ...fields.map((field) => `${field}=${subject[field]}`)];
  return Buffer.from(`${lines.join("\n")}\n`, "utf8");
}

/** Signs the package signature statement; the signature travels base64. */
export function signPackage(subject: PackageSignatureSubject, privateKey: KeyObject): string {
  return sign(null, packageSignatureStatement(subject), privateKey).toString("base64");
}

/** True only for an Ed25519 signature by `publicKeyPem` over exactly this subject's statement. */
export function verifyPackageSignature(
  subject: PackageSignatureSubject,
  signatureBase64: string,
  publicKeyPem: string,
): boolean {
  try {
    return verifyEd25519(packageSignatureStatement(subject), signatureBase64, publicKeyPem);
  } catch (error) {
    if (error instanceof SignatureSubjectError) return false;
    throw error;
  }
}

/**
 * The signature of before: over the archive's sha256 alone (hex, ASCII). It proves the bytes but not
 * which package or version they are, so the scanner accepts it only when told to
 * (SCAN_ACCEPT_DIGEST_ONLY_SIGNATURES); kept to recognise such signatures and for tests.
 */
export function signDigest(sha256: string, privateKey: KeyObject): string {
  return sign(null, Buffer.from(sha256, "ascii"), privateKey).toString("base64");
}

export function verifyDigestSignature(
  sha256: string,
  signatureBase64: string,
  publicKeyPem: string,
): boolean {
  return verifyEd25519(Buffer.from(sha256, "ascii"), signatureBase64, publicKeyPem);
}

function verifyEd25519(message: Buffer, signatureBase64: string, publicKeyPem: string): boolean {
  try {
    const key = createPublicKey(publicKeyPem);
    if (key.asymmetricKeyType !== "ed25519") return false;
    return verify(null, message, key, Buffer.from(signatureBase64, "base64"));
  } catch {
    return false;
  }
}

export function generatePublisherKeys(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKey, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}
