import { type Db, type IndexDescription, MongoClient } from "mongodb";

export interface MongoConnection {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/**
 * @example
 * const { db, close } = await connectMongo(config.MONGO_URL, config.MONGO_DB);
 */
export async function connectMongo(url: string, dbName: string): Promise<MongoConnection> {
  // Bounded waits: a frozen or unreachable server fails an operation within seconds (a transient
  // failure the caller waits out) instead of holding it forever without a word.
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    socketTimeoutMS: 20_000,
    retryWrites: true,
  });
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
