import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A publisher signs the archive's sha256 (hex, ASCII) with Ed25519; the signature travels base64. */
export function signDigest(sha256: string, privateKey: KeyObject): string {
  return sign(null, Buffer.from(sha256, "ascii"), privateKey).toString("base64");
}

export function verifyDigestSignature(
  sha256: string,
  signatureBase64: string,
  publicKeyPem: string,
): boolean {
  try {
    const key = createPublicKey(publicKeyPem);
    if (key.asymmetricKeyType !== "ed25519") return false;
    return verify(null, Buffer.from(sha256, "ascii"), key, Buffer.from(signatureBase64, "base64"));
  } catch {
    return false;
  }
}

export function generatePublisherKeys(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKey, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}
