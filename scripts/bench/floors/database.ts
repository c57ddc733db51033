// The database floor: sequential single-document upserts and `_id` finds on the same MongoDB-wire server
// the pipeline uses (FerretDB locally), with the plain driver, in a database of their own.
import { performance } from "node:perf_hooks";
import { MongoClient } from "mongodb";
import { percentile } from "../report.ts";

export interface OperationFloor {
  p50Ms: number;
  meanMs: number;
  opsPerSecond: number;
}

export interface DatabaseFloor {
  upsert: OperationFloor;
  find: OperationFloor;
}

async function timed(operations: number, run: (i: number) => Promise<unknown>): Promise<OperationFloor> {
  const latencies: number[] = [];
  const begun = performance.now();
  for (let i = 0; i < operations; i++) {
    const start = performance.now();
    await run(i);
    latencies.push(performance.now() - start);
  }
  const elapsed = performance.now() - begun;
  return {
    p50Ms: percentile(latencies, 50),
    meanMs: elapsed / operations,
    opsPerSecond: (operations / elapsed) * 1000,
  };
}

/**
 * Measures `operations` upserts (of 100 documents shaped like an install status, so most update one
 * that exists) and as many finds by `_id`, one at a time; drops its database afterwards.
 *
 * @example
 * const floor = await measureDatabaseFloor(config.MONGO_URL, `${config.MONGO_DB}_floor`, 500);
 */
export async function measureDatabaseFloor(
  url: string,
  dbName: string,
  operations: number,
): Promise<DatabaseFloor> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    const collection = client.db(dbName).collection<{ _id: string }>("floor");
    const upsert = (i: number) =>
      collection.updateOne(
        { _id: `mkt-install-${i % 100}` },
        {
          $set: {
            tenantId: `bench-tenant-${i % 10}`,
            status: "InProgress",
            stage: "Installing",
            progress: `${i % 5} of 5 artifacts installed`,
            updatedAt: new Date().toISOString(),
            revision: i,
          },
        },
        { upsert: true },
      );
    const find = (i: number) => collection.findOne({ _id: `mkt-install-${i % 100}` });
    await timed(20, upsert); // connections and the collection exist before anything is timed
    await timed(20, find);
    return { upsert: await timed(operations, upsert), find: await timed(operations, find) };
  } finally {
    await client.db(dbName).dropDatabase();
    await client.close();
  }
}
