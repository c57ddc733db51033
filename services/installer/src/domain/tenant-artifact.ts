import type { ManifestArtifact } from "@installhub/shared";

/** One artifact in a tenant's store (`tenant_artifacts`, unique per tenant and key). */
export interface TenantArtifact {
  /** The store's own id, opaque here: an undone removal puts the document back with it. */
  _id?: unknown;
  tenantId: string;
  key: string;
  type: ManifestArtifact["type"];
  name: string;
  content: string;
  sha256: string;
  /** A new id for every write: writes and rollbacks compare-and-set on it. */
  versionId: string;
  /** The import that wrote this version; null for artifacts the tenant created itself. */
  source: { packageId: string; version: string; importId: string } | null;
  updatedAt: string;
}
