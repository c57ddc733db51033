import type { Collection, Document, OptionalUnlessRequiredId } from "mongodb";
import { MongoBulkWriteError } from "mongodb";

/**
 * Inserts documents whose _id is deterministic, leaving any that exist as they are: a replay of the
 * same step adds nothing. (Plain inserts rather than `$setOnInsert` upserts, which FerretDB stores
 * without their top-level null fields.)
 */
export async function insertOnce<T extends Document>(
  collection: Collection<T>,
  documents: OptionalUnlessRequiredId<T>[],
): Promise<void> {
  if (documents.length === 0) return;
  try {
    await collection.insertMany(documents, { ordered: false });
  } catch (error) {
    const onlyDuplicates =
      error instanceof MongoBulkWriteError &&
      [error.writeErrors].flat().every((writeError) => writeError.code === 11000);
    if (!onlyDuplicates) throw error;
  }
}
