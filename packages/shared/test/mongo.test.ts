import type { Socket } from "node:net";
import type { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { connectMongo, ensureIndexes, type IndexPlan, isDuplicateKeyError } from "../src/index.ts";
import { isolatedConfig, waitFor } from "../src/testing/index.ts";

const config = isolatedConfig("mongo");
const connection = await connectMongo(config.MONGO_URL, config.MONGO_DB);

describe("MongoDB index bootstrap", () => {
  it("is harmless when run twice, and the unique index it made holds", async () => {
    const plan: IndexPlan = {
      things: [
        { key: { tenantId: 1, key: 1 }, name: "tenant_key", unique: true },
        { key: { createdAt: -1 }, name: "created" },
      ],
    };
    await ensureIndexes(connection.db, plan);
    await ensureIndexes(connection.db, plan);
    const names = (await connection.db.collection("things").indexes()).map((index) => index.name);
    expect(names.filter((name) => name === "tenant_key")).toHaveLength(1);
    expect(names).toContain("created");

    await connection.db.collection("things").insertOne({ tenantId: "t", key: "k" });
    const duplicate = await connection.db
      .collection("things")
      .insertOne({ tenantId: "t", key: "k" })
      .catch((error) => error);
    expect(isDuplicateKeyError(duplicate)).toBe(true);
  });
});

/** The driver's own view of its one server (internals: what the race below leaves behind). */
interface MonitoredServer {
  monitor: { connection: { closed: boolean; socket: Socket } | null };
  requestCheck(): void;
}
const serverOf = (client: MongoClient) =>
  [
    ...(
      client as unknown as { topology: { s: { servers: Map<string, MonitoredServer> } } }
    ).topology.s.servers.values(),
  ][0]!;

describe("a database that closes the server monitor's connection", () => {
  // A database killed under load (the chaos run's SIGKILL) closes every connection at once; the
  // driver destroys the monitor's socket at once but hears its 'close' only later in that turn of
  // the event loop, and an operation's failure in between asks the monitor for a heartbeat at once.
  // mongodb 6.22 wrote that heartbeat to the destroyed socket and waited for 'drain' forever: the
  // monitor never checked again, the server stayed Unknown and every operation failed server
  // selection after the database was back (the gateway answered 503 to the end of the run).
  // patches/mongodb@6.22.0.patch fails that write instead; this is that moment, made on purpose.
  it("fails that heartbeat, reconnects and serves again, instead of waiting forever", async () => {
    const { client, db, close } = await connectMongo(config.MONGO_URL, config.MONGO_DB);
    try {
      const heartbeats: { at: number; outcome: "succeeded" | "failed" }[] = [];
      client.on("serverHeartbeatSucceeded", () => heartbeats.push({ at: Date.now(), outcome: "succeeded" }));
      client.on("serverHeartbeatFailed", () => heartbeats.push({ at: Date.now(), outcome: "failed" }));
      const connectedAt = Date.now(); // the first heartbeat ended within connectMongo
      await db.command({ ping: 1 });
      const server = serverOf(client);
      // A heartbeat asked for within 500 ms of the last is postponed (by when 'close' has arrived):
      // wait until the monitor has an open connection and a heartbeat would run at once.
      await waitFor(
        () =>
          server.monitor.connection?.closed === false &&
          Date.now() - (heartbeats.at(-1)?.at ?? connectedAt) > 700,
        { what: "an idle monitor with an open connection" },
      );
      const before = heartbeats.length;

      server.monitor.connection!.socket.destroy(); // the peer's close, as the driver first sees it
      server.requestCheck(); // an operation's network error, in the same turn

      const next = await waitFor(() => heartbeats[before], {
        timeoutMs: 10_000,
        what: "the heartbeat written to the destroyed socket to end",
      });
      expect(next.outcome).toBe("failed");
      expect(await db.command({ ping: 1 })).toMatchObject({ ok: 1 });
    } finally {
      await close();
    }
  });
});

afterAll(async () => {
  await connection.db.dropDatabase();
  await connection.close();
});
