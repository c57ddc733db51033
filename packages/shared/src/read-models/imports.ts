import type { Collection, Db } from "mongodb";
import { z } from "zod";
import { ArtifactAction, LifecycleOperation } from "../events/contracts.ts";
import type { IndexPlan } from "../mongo/client.ts";

/**
 * The import record and its audit log: written by the installer, served by the gateway at
 * `/api/installhub/imports/{importId}` and `/api/installhub/imports/{importId}/audit-log`. These zod
 * schemas are the one definition of both: the API's response schemas (and OpenAPI components) extend
 * them, and the stored documents are derived from them.
 */

/** One word per outcome, the install status's (the spec's `Success`). */
export const ImportStatus = z.enum(["InProgress", "Success", "Failed"]);
export type ImportStatus = z.infer<typeof ImportStatus>;

export const ImportRecord = z.object({
  importId: z.string(),
  installId: z.string(),
  tenantId: z.string(),
  packageId: z.string(),
  version: z.string(),
  requestedBy: z.object({ userId: z.string(), email: z.string() }),
  dryRun: z.boolean(),
  status: ImportStatus,
  startedAt: z.string(),
  completedAt: z.string().nullable(),
  artifactsInstalled: z.number().int(),
  conflictsResolved: z.number().int(),
  rolledBack: z.boolean(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  // Absent on records from before lifecycles.
  operation: LifecycleOperation.optional().describe(
    "What the import was, given what the tenant had installed (docs/lifecycle.md)",
  ),
  fromVersion: z
    .string()
    .optional()
    .describe("The version installed before an upgrade, downgrade, reinstall or uninstall"),
  artifacts: z.array(
    z.object({
      key: z.string(),
      action: ArtifactAction,
      resultingKey: z.string(),
      beforeVersionId: z.string().nullable(),
      afterVersionId: z.string().nullable(),
    }),
  ),
});
export type ImportRecord = z.infer<typeof ImportRecord>;

/** As stored in `import_records`: the record, its importId as `_id`. */
export type ImportRecordDocument = Omit<ImportRecord, "importId"> & { _id: string };

export const AuditAction = z.enum([
  "ImportStarted",
  "ArtifactApplied",
  "ArtifactPlanned",
  "RolledBack",
  "ImportSucceeded",
  "ImportFailed",
]);

export const AuditEntry = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.object({ userId: z.string(), email: z.string() }),
  action: AuditAction,
  artifactKey: z.string().nullable(),
  resultingKey: z.string().nullable(),
  artifactAction: ArtifactAction.nullable(),
  beforeVersionId: z.string().nullable(),
  afterVersionId: z.string().nullable(),
  message: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** As stored in `import_audit_log`: the entry with its import and tenant. */
export type AuditEntryDocument = AuditEntry & {
  /** `${importId}:${seq}` — deterministic, so a replayed step can never add a second entry. */
  _id: string;
  importId: string;
  tenantId: string;
};

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
