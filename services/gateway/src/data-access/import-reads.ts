import {
  type AuditEntryDocument,
  auditLogOf,
  type ImportRecordDocument,
  importRecordsOf,
} from "@installhub/shared";
import type { Db } from "mongodb";

/** The installer's import records and audit log, read only where the caller may see them. */
export function importReads(db: Db) {
  return {
    findImport: (importId: string, tenants: string[]): Promise<ImportRecordDocument | null> =>
      importRecordsOf(db).findOne({ _id: importId, tenantId: { $in: tenants } }),
    auditLog: (importId: string): Promise<AuditEntryDocument[]> =>
      auditLogOf(db).find({ importId }).sort({ seq: 1 }).toArray(),
  };
}
export type ImportReads = ReturnType<typeof importReads>;
