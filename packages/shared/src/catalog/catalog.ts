import type { Collection, Db } from "mongodb";
import type { TrustLevel } from "../events/contracts.ts";
import type { IndexPlan } from "../mongo/client.ts";

/** The marketplace catalog in MongoDB: publishers with their keys, packages with their versions. */
export interface PublisherDocument {
  _id: string;
  name: string;
  /** PEM (SPKI) Ed25519 public key; null when the publisher has none on file. */
  publicKey: string | null;
}

export interface PackageVersionDocument {
  version: string;
  yanked: boolean;
  /** Path of the archive below the CDN base URL. */
  archivePath: string;
  sha256: string;
  sizeBytes: number;
  /** Base64 Ed25519 signature over the package signature statement (`packageSignatureStatement`); null when unsigned. */
  signature: string | null;
  artifactCount: number;
  publishedAt: string;
}

export interface PackageDocument {
  _id: string;
  name: string;
  description: string;
  publisherId: string;
  trustLevel: TrustLevel;
  versions: PackageVersionDocument[];
  updatedAt: string;
}

export const catalogCollections = { publishers: "publishers", packages: "packages" } as const;

export const catalogIndexes: IndexPlan = {
  [catalogCollections.packages]: [{ key: { trustLevel: 1, _id: 1 }, name: "trust_level" }],
};

export function publishersOf(db: Db): Collection<PublisherDocument> {
  return db.collection<PublisherDocument>(catalogCollections.publishers);
}

export function packagesOf(db: Db): Collection<PackageDocument> {
  return db.collection<PackageDocument>(catalogCollections.packages);
}

export async function upsertPublisher(db: Db, publisher: PublisherDocument): Promise<void> {
  const { _id, ...fields } = publisher;
  await publishersOf(db).updateOne({ _id }, { $set: fields }, { upsert: true });
}

/** Upserts a package and replaces the versions it names, keeping its other versions. */
export async function upsertPackage(db: Db, pkg: PackageDocument): Promise<void> {
  const existing = await packagesOf(db).findOne({ _id: pkg._id });
  const named = new Set(pkg.versions.map((v) => v.version));
  const versions = [...(existing?.versions ?? []).filter((v) => !named.has(v.version)), ...pkg.versions];
  const { _id, ...fields } = pkg;
  await packagesOf(db).updateOne({ _id }, { $set: { ...fields, versions } }, { upsert: true });
}
