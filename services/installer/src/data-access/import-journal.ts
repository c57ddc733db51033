import { insertIfAbsent } from "@installhub/shared";
import type { Db, Filter } from "mongodb";
import type { ImportJournal } from "../domain/journal.ts";
import { installerCollections } from "./collections.ts";

/**
 * The import journal's store. It decides nothing: every change is a pure transition of
 * `domain/journal.ts`, written with compare-and-set on `revision` — if another writer (a second
 * installer after a rebalance) changed the journal meanwhile, the transition is applied again to what
 * is stored now. As transitions set each marker once, running one twice records it once.
 */
export function importJournalStore(db: Db) {
  const journals = db.collection<ImportJournal>(installerCollections.journal);

  const find = async (importId: string): Promise<ImportJournal | null> => {
    const journal = await journals.findOne({ _id: importId });
    return journal && withCurrentWords(journal);
  };

  const mustFind = async (importId: string): Promise<ImportJournal> => {
    const journal = await find(importId);
    if (!journal) throw new Error(`import journal ${importId} disappeared`);
    return journal;
  };

  return {
    find,

    /** Stores a new journal; if one exists already, that one is the truth and is returned. */
    async create(journal: ImportJournal): Promise<ImportJournal> {
      const first = { ...journal, revision: 1 };
      if ((await insertIfAbsent(journals, [first])) === 1) return first;
      return mustFind(journal._id);
    },

    /**
     * Writes `change(journal)` unless it changes nothing; returns the journal as stored afterwards.
     * One round trip when nobody else wrote in between.
     */
    async transition(
      journal: ImportJournal,
      change: (current: ImportJournal) => ImportJournal,
    ): Promise<ImportJournal> {
      for (let current = journal; ; current = await mustFind(journal._id)) {
        const next = change(current);
        if (next === current) return current;
        const revision = current.revision ?? 0;
        // Journals written before revisions existed have none: the first change gives them one.
        const unchanged: Filter<ImportJournal> =
          current.revision === undefined
            ? { _id: current._id, revision: { $exists: false } }
            : { _id: current._id, revision };
        const { _id, ...fields } = { ...next, revision: revision + 1 };
        const { matchedCount } = await journals.updateOne(unchanged, { $set: fields });
        if (matchedCount === 1) return { ...next, revision: revision + 1 };
      }
    },
  };
}
export type ImportJournalStore = ReturnType<typeof importJournalStore>;

/** Journals stored before outcomes had one word (the install status's `Success`) said `Succeeded`. */
function withCurrentWords(journal: ImportJournal): ImportJournal {
  const status: string | undefined = journal.outcome?.status;
  if (journal.outcome && status === "Succeeded")
    return { ...journal, outcome: { ...journal.outcome, status: "Success" } };
  return journal;
}
