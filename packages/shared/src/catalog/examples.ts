import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Db } from "mongodb";
import { z } from "zod";
import { TrustLevel } from "../events/contracts.ts";
import { packFolder } from "../packages/archive.ts";
import { manifestFileName, PackageManifest } from "../packages/manifest.ts";
import { generatePublisherKeys, sha256Hex, signPackage } from "../packages/signing.ts";
import { type PackageDocument, type PublisherDocument, upsertPackage, upsertPublisher } from "./catalog.ts";

/** `examples/catalog.json`: which example folders become which catalog entries. */
const ExampleCatalog = z.object({
  publishers: z.array(z.object({ id: z.string(), name: z.string(), hasKey: z.boolean().default(true) })),
  packages: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      description: z.string(),
      publisher: z.string(),
      trustLevel: TrustLevel,
      versions: z.array(
        z.object({
          version: z.string(),
          yanked: z.boolean().default(false),
          signed: z.boolean().default(true),
          /** The CDN serves different bytes than the catalog's digest describes. */
          tampered: z.boolean().default(false),
        }),
      ),
    }),
  ),
});

export const repositoryRoot = resolve(import.meta.dirname, "../../../..");
export const examplesRoot = join(repositoryRoot, "examples");

export function archivePathOf(packageId: string, version: string): string {
  return `packages/${packageId}/${packageId}-${version}.tgz`;
}

/**
 * Builds every example package, signs its statement (package, version, sha256, publisher:
 * `packageSignatureStatement`) with its publisher's key, writes the archives where the dev
 * CDN serves them (`cdnRoot`) and upserts the catalog. Publisher keys are generated on first use into
 * `keysDir` (never committed); the catalog holds only the public halves.
 *
 * @example
 * await loadExampleCatalog({ db, cdnRoot: ".data/cdn", keysDir: ".data/keys" });
 */
export async function loadExampleCatalog(options: {
  db: Db;
  cdnRoot: string;
  keysDir: string;
}): Promise<PackageDocument[]> {
  const catalog = ExampleCatalog.parse(
    JSON.parse(await readFile(join(examplesRoot, "catalog.json"), "utf8")),
  );
  const keys = new Map<string, KeyObject>();
  for (const publisher of catalog.publishers) {
    const document: PublisherDocument = { _id: publisher.id, name: publisher.name, publicKey: null };
    if (publisher.hasKey) {
      const { privateKey, publicKeyPem } = await publisherKeys(options.keysDir, publisher.id);
      keys.set(publisher.id, privateKey);
      document.publicKey = publicKeyPem;
    }
    await upsertPublisher(options.db, document);
  }

  const documents: PackageDocument[] = [];
  for (const pkg of catalog.packages) {
    const versions = [];
    for (const entry of pkg.versions) {
      const folder = join(examplesRoot, "packages", pkg.id, entry.version);
      const manifest = PackageManifest.parse(
        JSON.parse(await readFile(join(folder, manifestFileName), "utf8")),
      );
      const archive = await packFolder(folder);
      const sha256 = sha256Hex(archive);
      const key = keys.get(pkg.publisher);
      const archivePath = archivePathOf(pkg.id, entry.version);
      const served = entry.tampered ? Buffer.concat([archive, Buffer.alloc(512)]) : archive;
      await mkdir(dirname(join(options.cdnRoot, archivePath)), { recursive: true });
      await writeFile(join(options.cdnRoot, archivePath), served);
      versions.push({
        version: entry.version,
        yanked: entry.yanked,
        archivePath,
        sha256,
        sizeBytes: archive.length,
        signature:
          entry.signed && key
            ? signPackage(
                { packageId: pkg.id, version: entry.version, sha256, publisher: pkg.publisher },
                key,
              )
            : null,
        artifactCount: manifest.artifacts.length,
        publishedAt: "2026-05-01T00:00:00.000Z",
      });
    }
    const document: PackageDocument = {
      _id: pkg.id,
      name: pkg.name,
      description: pkg.description,
      publisherId: pkg.publisher,
      trustLevel: pkg.trustLevel,
      versions,
      updatedAt: new Date().toISOString(),
    };
    await upsertPackage(options.db, document);
    documents.push(document);
  }
  return documents;
}

async function publisherKeys(
  keysDir: string,
  publisherId: string,
): Promise<{ privateKey: KeyObject; publicKeyPem: string }> {
  const file = join(keysDir, `publisher-${publisherId}.pem`);
  if (existsSync(file)) {
    const privateKey = createPrivateKey(await readFile(file, "utf8"));
    const publicKeyPem = createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
    return { privateKey, publicKeyPem };
  }
  const generated = generatePublisherKeys();
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  await writeFile(file, generated.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), {
    mode: 0o600,
  });
  return generated;
}
