import {
  type AuditEntryDocument,
  auditLogOf,
  type ImportRecordDocument,
  importRecordsOf,
} from "@installhub/shared";
import type { Db } from "mongodb";

/** The import record and audit log the gateway serves; audit entries have deterministic ids. */
export function importRecordStore(db: Db) {
  const records = importRecordsOf(db);
  const audit = auditLogOf(db);

  const insertAuditEntries = async (entries: AuditEntryDocument[]) => {
    if (entries.length === 0) return;
    await audit.bulkWrite(
      entries.map(({ _id, ...entry }) => ({
        updateOne: { filter: { _id }, update: { $setOnInsert: entry }, upsert: true },
      })),
      { ordered: true },
    );
  };

  return {
    /** Writes the record as the journal now describes it and adds the audit entries not there yet. */
    async save(record: ImportRecordDocument, entries: AuditEntryDocument[]): Promise<void> {
      await insertAuditEntries(entries);
      await records.replaceOne({ _id: record._id }, record, { upsert: true });
    },
    /** For a failure before the installer: never replaces a record that already exists. */
    async saveIfAbsent(record: ImportRecordDocument, entry: AuditEntryDocument): Promise<void> {
      const { _id, ...fields } = record;
      await records.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true });
      await insertAuditEntries([entry]);
    },
  };
}
export type ImportRecordStore = ReturnType<typeof importRecordStore>;
