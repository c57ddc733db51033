import type { Socket } from "node:net";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import {
  classifyFailure,
  connectMongo,
  ensureIndexes,
  type IndexPlan,
  insertIfAbsent,
  isDuplicateKeyError,
} from "../src/index.ts";
import { isolatedConfig, startTcpProxy, waitFor } from "../src/testing/index.ts";

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

describe("insertIfAbsent", () => {
  it("counts only new documents, and takes the ones already there as written", async () => {
    const things = connection.db.collection<{ _id: string; n: number }>("absent_things");
    expect(await insertIfAbsent(things, [{ _id: "a", n: 1 }])).toBe(1);
    expect(
      await insertIfAbsent(things, [
        { _id: "a", n: 2 },
        { _id: "b", n: 2 },
      ]),
    ).toBe(1);
    expect(await things.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: "a", n: 1 },
      { _id: "b", n: 2 },
    ]);
  });

  // The driver reports an insertMany that met no server (a database killed or away) as a bulk write
  // error with no write error in it, which read as "every document was a duplicate": the installer
  // took an InstallRequested as stored, the database never had it, and the install failed at import
  // ("no InstallRequested was recorded") in a chaos run.
  it("fails, as a transient failure, when the database does not answer; it never reports the documents as there", async () => {
    const mongo = new URL(config.MONGO_URL);
    const proxy = await startTcpProxy(Number(mongo.port || 27017), mongo.hostname);
    const away = await connectMongo(
      `mongodb://127.0.0.1:${proxy.port}/?directConnection=true`,
      config.MONGO_DB,
    );
    try {
      const things = away.db.collection<{ _id: string }>("absent_things");
      await things.findOne({}); // connected, then the database goes away
      proxy.cut();
      const failure = await insertIfAbsent(things, [{ _id: "never-written" }]).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(classifyFailure(failure)).toBe("transient");
      expect(
        await connection.db.collection("absent_things").findOne({ _id: "never-written" as never }),
      ).toBeNull();
    } finally {
      proxy.restore();
      await away.close();
      await proxy.close();
    }
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

describe("a connection closed while a large write waits for the socket to drain", () => {
  // The other half of the driver bug above: a write the socket could not take at once waits for
  // 'drain'; when the connection is closed meanwhile (its socket timed out, or the pool was cleared
  // under it when the monitor timed out on a frozen database) the socket is destroyed without an
  // 'error', no 'drain' ever comes, and mongodb 6.22 held the operation — and its pooled
  // connection — forever. The patch stops waiting at 'close'.
  it("fails the operation instead of holding it forever", async () => {
    const mongo = new URL(config.MONGO_URL);
    const proxy = await startTcpProxy(Number(mongo.port || 27017), mongo.hostname);
    const client = new MongoClient(`mongodb://127.0.0.1:${proxy.port}/?directConnection=true`, {
      socketTimeoutMS: 1_000,
      serverSelectionTimeoutMS: 2_000,
      retryWrites: false,
    });
    try {
      const things = client.db(config.MONGO_DB).collection<{ _id: string; filler: string }>("drain_things");
      await things.findOne({}); // a pooled connection, then the server stops taking data
      proxy.stopReading();
      // Two 12 MB documents: more than the loopback socket buffers take, so the write waits for 'drain'.
      const filler = "x".repeat(12 * 1024 * 1024);
      const outcome = await Promise.race([
        things
          .insertMany([
            { _id: "d1", filler },
            { _id: "d2", filler },
          ])
          .then(
            () => "written",
            (error: Error) => error.name,
          ),
        new Promise<string>((resolve) =>
          setTimeout(() => resolve("still waiting after 20 s"), 20_000).unref(),
        ),
      ]);
      expect(outcome).toMatch(/^Mongo\w*Error$/);
    } finally {
      await proxy.close(); // drops what it holds: the half-sent documents never reach the database
      await client.close();
    }
  });
});

afterAll(async () => {
  await connection.db.dropDatabase();
  await connection.close();
});
