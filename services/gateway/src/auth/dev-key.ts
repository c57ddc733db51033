import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
} from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const devKeyFileName = "dev-jwt.pem";

export interface DevKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  file: string;
}

/**
 * The local dev signing key (Ed25519) in `<dir>/dev-jwt.pem`, created on first use by whichever of the
 * dev-token script and the gateway runs first. The file appears atomically (written aside, then
 * hard-linked into place), so two first runs at once agree on one key and never read half a file.
 *
 * @example
 * const { privateKey } = await loadOrCreateDevKey(config.DEV_KEYS_DIR);
 */
export async function loadOrCreateDevKey(dir: string): Promise<DevKey> {
  const file = join(dir, devKeyFileName);
  const pem = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (pem !== undefined) return fromPem(pem, file);

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync("ed25519");
  const scratch = join(dir, `.${devKeyFileName}.${randomUUID()}`);
  await writeFile(scratch, privateKey.export({ type: "pkcs8", format: "pem" }).toString(), { mode: 0o600 });
  try {
    await link(scratch, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await unlink(scratch);
  }
  return fromPem(await readFile(file, "utf8"), file);
}

function fromPem(pem: string, file: string): DevKey {
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: createPublicKey(privateKey), file };
}
