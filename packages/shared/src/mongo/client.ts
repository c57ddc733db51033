import { type Db, type IndexDescription, MongoClient } from "mongodb";
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
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: 5000,
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
 * Creates the indexes of a plan. Creating an index that already exists with the same options is a
 * no-op in MongoDB and FerretDB, so running it at every start (and twice) is harmless. One index per
 * command: FerretDB 1.24 closes the connection when one createIndexes names several existing indexes.
 */
export async function ensureIndexes(db: Db, plan: IndexPlan): Promise<void> {
  for (const [collection, indexes] of Object.entries(plan)) {
    for (const index of indexes) await db.collection(collection).createIndexes([index]);
  }
}

export function isDuplicateKeyError(error: unknown): boolean {
  return (error as { code?: number } | undefined)?.code === 11000;
}

function countCommands(client: MongoClient): void {
  const { mongoCommands, mongoCommandDuration } = roundTripMetrics();
  const observe = (event: { commandName: string; duration: number }) =>
    mongoCommandDuration.observe({ command: event.commandName }, event.duration / 1000);
  client.on("commandStarted", (event) => mongoCommands.inc({ command: event.commandName }));
  client.on("commandSucceeded", observe);
  client.on("commandFailed", observe);
}
