import type { Collection, Db } from "mongodb";
import type { ArtifactAction, LifecycleOperation } from "../events/contracts.ts";
import type { IndexPlan } from "../mongo/client.ts";

/**
 * The import record and its audit log: written by the installer, served by the gateway at
 * `/api/installhub/imports/{importId}` and `/api/installhub/imports/{importId}/audit-log`.
 */
export interface ImportRecordDocument {
  /** The importId. */
  _id: string;
  installId: string;
  tenantId: string;
  packageId: string;
  version: string;
  requestedBy: { userId: string; email: string };
  dryRun: boolean;
  status: "InProgress" | "Succeeded" | "Failed";
  startedAt: string;
  completedAt: string | null;
  artifactsInstalled: number;
  conflictsResolved: number;
  rolledBack: boolean;
  error: { code: string; message: string } | null;
  /** What the import was, given what the tenant had installed (absent on records from before lifecycles). */
  operation?: LifecycleOperation;
  /** The version installed before an upgrade, downgrade, reinstall or uninstall. */
  fromVersion?: string;
  artifacts: {
    key: string;
    action: ArtifactAction;
    resultingKey: string;
    beforeVersionId: string | null;
    afterVersionId: string | null;
  }[];
}

export interface AuditEntryDocument {
  /** `${importId}:${seq}` — deterministic, so a replayed step can never add a second entry. */
  _id: string;
  importId: string;
  tenantId: string;
  seq: number;
  at: string;
  actor: { userId: string; email: string };
  action:
    | "ImportStarted"
    | "ArtifactApplied"
    | "ArtifactPlanned"
    | "RolledBack"
    | "ImportSucceeded"
    | "ImportFailed";
  artifactKey: string | null;
  resultingKey: string | null;
  artifactAction: ArtifactAction | null;
  beforeVersionId: string | null;
  afterVersionId: string | null;
  message: string | null;
}

export const importCollections = { records: "import_records", audit: "import_audit_log" } as const;

export const importIndexes: IndexPlan = {
  [importCollections.records]: [{ key: { tenantId: 1, startedAt: -1 }, name: "tenant_started" }],
  [importCollections.audit]: [{ key: { importId: 1, seq: 1 }, name: "import_seq", unique: true }],
};

export function importRecordsOf(db: Db): Collection<ImportRecordDocument> {
  return db.collection<ImportRecordDocument>(importCollections.records);
}

export function auditLogOf(db: Db): Collection<AuditEntryDocument> {
  return db.collection<AuditEntryDocument>(importCollections.audit);
}
