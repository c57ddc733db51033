import {
  type AuditEntryDocument,
  auditLogOf,
  type ImportRecordDocument,
  importRecordsOf,
  insertIfAbsent,
} from "@installhub/shared";
import type { Db } from "mongodb";

/** The import record and audit log the gateway serves; audit entries have deterministic ids. */
export function importRecordStore(db: Db) {
  const records = importRecordsOf(db);
  const audit = auditLogOf(db);

  return {
    /** Writes the record as the journal now describes it and adds the audit entries not there yet. */
    async save(record: ImportRecordDocument, entries: AuditEntryDocument[]): Promise<void> {
      await insertIfAbsent(audit, entries);
      await records.replaceOne({ _id: record._id }, record, { upsert: true });
    },
    /** For a failure before the installer: never replaces a record that already exists. */
    async saveIfAbsent(record: ImportRecordDocument, entry: AuditEntryDocument): Promise<void> {
      await insertIfAbsent(records, [record]);
      await insertIfAbsent(audit, [entry]);
    },
  };
}
export type ImportRecordStore = ReturnType<typeof importRecordStore>;
