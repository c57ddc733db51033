import {
  type Collection,
  type Db,
  type Document,
  type IndexDescription,
  MongoBulkWriteError,
  MongoClient,
  type OptionalUnlessRequiredId,
} from "mongodb";
import { TransientError } from "../failures.ts";
import { roundTripMetrics } from "../metrics.ts";

export interface MongoConnection {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/**
 * `countCommands` (INSTALLHUB_BENCH_COUNTERS) counts every command on /metrics through the driver's
 * command monitoring; without it the driver emits no command events at all.
 *
 * @example
 * const { db, close } = await connectMongo(config.MONGO_URL, config.MONGO_DB);
 */
export async function connectMongo(
  url: string,
  dbName: string,
  options: { countCommands?: boolean } = {},
): Promise<MongoConnection> {
  // Bounded waits: a frozen or unreachable server fails an operation within seconds (a transient
  // failure the caller waits out) instead of holding it forever without a word.
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    socketTimeoutMS: 20_000,
    retryWrites: true,
    monitorCommands: options.countCommands === true,
  });
  if (options.countCommands) countCommands(client);
  await client.connect();
  return { client, db: client.db(dbName), close: () => client.close() };
}

/** Collection name → indexes it needs. */
export type IndexPlan = Record<string, IndexDescription[]>;

/**
 * Creates the indexes of a plan that are not there yet (by name). Creating an index that already
 * exists with the same options is a no-op in MongoDB and FerretDB, so two services starting at once
 * are harmless. One index per command: FerretDB 1.24 closes the connection when one createIndexes
 * names several existing indexes.
 */
export async function ensureIndexes(db: Db, plan: IndexPlan): Promise<void> {
  for (const [collection, indexes] of Object.entries(plan)) {
    // Only what is missing: on FerretDB even a no-op createIndexes queues behind the writes of a busy
    // database, which made a restarting service wait tens of seconds; listing indexes is a read.
    const existing = new Set(
      await db
        .collection(collection)
        .listIndexes()
        .toArray()
        .then((found) => found.map((index) => index.name as string))
        .catch(() => [] as string[]), // a collection that does not exist yet has no indexes
    );
    for (const index of indexes) {
      if (!index.name || !existing.has(index.name)) await db.collection(collection).createIndexes([index]);
    }
  }
}

export function isDuplicateKeyError(error: unknown): boolean {
  return (error as { code?: number } | undefined)?.code === 11000;
}

/**
 * Inserts documents that a unique index (their deterministic _id, or another unique key) lets exist
 * once, leaving any that exist as they are: a replay of the same step adds nothing. Returns how many
 * were new. (Plain inserts rather than `$setOnInsert` upserts, which FerretDB 1.24 stores without
 * their top-level null fields.) The one way InstallHub writes "this, unless it is there already".
 *
 * @throws TransientError when the database did not answer the insert (none of it is known written);
 *   the driver's errors as they are for anything else the database refused.
 * @example
 * await insertIfAbsent(auditLogOf(db), entries); // entries' _id: `${importId}:${seq}`
 */
export async function insertIfAbsent<T extends Document>(
  collection: Collection<T>,
  documents: OptionalUnlessRequiredId<T>[],
): Promise<number> {
  if (documents.length === 0) return 0;
  try {
    const { insertedCount } = await collection.insertMany(documents, { ordered: false });
    return insertedCount;
  } catch (error) {
    const insertedCount = (error as Partial<MongoBulkWriteError>).insertedCount ?? 0;
    const writeErrors = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : [];
    if (writeErrors.length > 0) {
      if (writeErrors.every((writeError) => writeError.code === 11000)) return insertedCount;
      throw error;
    }
    if (isDuplicateKeyError(error)) return insertedCount;
    if (error instanceof MongoBulkWriteError && error.code === undefined) {
      // What the driver throws when it met no answer at all (no server, a broken connection): its own
      // error wrapped in a bulk write error with neither a write error nor a code (mongodb's
      // bulk/common.js, "a driver related error not a bulk op error"). Read as "every document a
      // duplicate", it had the installer take an install request as stored that the database never had.
      throw new TransientError(`the database did not answer the insert: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function countCommands(client: MongoClient): void {
  const { mongoCommands, mongoCommandDuration } = roundTripMetrics();
  const observe = (event: { commandName: string; duration: number }) =>
    mongoCommandDuration.observe({ command: event.commandName }, event.duration / 1000);
  client.on("commandStarted", (event) => mongoCommands.inc({ command: event.commandName }));
  client.on("commandSucceeded", observe);
  client.on("commandFailed", observe);
}
