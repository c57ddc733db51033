import { isDuplicateKeyError } from "@installhub/shared";
import type { Db, Filter, UpdateFilter } from "mongodb";
import type { ImportFailure, ImportJournal } from "../domain/journal.ts";
import { installerCollections } from "./collections.ts";

/**
 * The import journal. Every transition is conditional on the state it leaves (a step not yet applied,
 * no failure yet, no outcome yet), so running it twice after a crash records it once.
 */
export function importJournalStore(db: Db) {
  const journals = db.collection<ImportJournal>(installerCollections.journal);

  const transition = async (
    importId: string,
    unless: Filter<ImportJournal>,
    update: UpdateFilter<ImportJournal>,
  ): Promise<ImportJournal> => {
    const updated = await journals.findOneAndUpdate({ _id: importId, ...unless }, update, {
      returnDocument: "after",
    });
    return updated ?? (await mustFind(importId));
  };

  const mustFind = async (importId: string): Promise<ImportJournal> => {
    const journal = await journals.findOne({ _id: importId });
    if (!journal) throw new Error(`import journal ${importId} disappeared`);
    return journal;
  };

  return {
    find: (importId: string) => journals.findOne({ _id: importId }),

    /** Stores a new journal; if one exists already, that one is the truth and is returned. */
    async create(journal: ImportJournal): Promise<ImportJournal> {
      try {
        await journals.insertOne(journal);
        return journal;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        return mustFind(journal._id);
      }
    },

    markApplied: (importId: string, index: number, at: string) =>
      transition(
        importId,
        { [`steps.${index - 1}.appliedAt`]: null },
        { $set: { [`steps.${index - 1}.appliedAt`]: at } },
      ),

    markUndone: (importId: string, index: number, at: string) =>
      transition(
        importId,
        { [`steps.${index - 1}.undoneAt`]: null },
        { $set: { [`steps.${index - 1}.undoneAt`]: at } },
      ),

    recordFailure: (importId: string, failure: ImportFailure) =>
      transition(importId, { failure: null }, { $set: { failure } }),

    finish: (importId: string, outcome: NonNullable<ImportJournal["outcome"]>) =>
      transition(importId, { outcome: null }, { $set: { outcome } }),

    markPublished: (importId: string, count: number) =>
      transition(importId, { eventsPublished: { $lt: count } }, { $set: { eventsPublished: count } }),
  };
}
export type ImportJournalStore = ReturnType<typeof importJournalStore>;
