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
    async findImport(importId: string, tenants: string[]): Promise<ImportRecordDocument | null> {
      const record = await importRecordsOf(db).findOne({ _id: importId, tenantId: { $in: tenants } });
      // Records written before outcomes had one word (the install status's `Success`) say `Succeeded`.
      const status: string | undefined = record?.status;
      return record && status === "Succeeded" ? { ...record, status: "Success" } : record;
    },
    auditLog: (importId: string): Promise<AuditEntryDocument[]> =>
      auditLogOf(db).find({ importId }).sort({ seq: 1 }).toArray(),
  };
}
export type ImportReads = ReturnType<typeof importReads>;
