// The HTTP floor (forked by the bench): a bare Hono route on @hono/node-server that does what accepting
// an install minimally takes — verify the same JWT with jose, one findOne, one acks=all publish of the
// real InstallRequested bytes (key = tenant) — and answers 202. Nothing else: no validation, no
// idempotency, no status write.
import { createPublicKey, randomUUID } from "node:crypto";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { jwtVerify } from "jose";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { MongoClient } from "mongodb";
import { sendRecorded } from "./kafka-stage.ts";
import { fromWireMessage, type WireMessage } from "./wire.ts";

export interface StartHttpService {
  type: "start";
  brokers: string[];
  topic: string;
  mongoUrl: string;
  dbName: string;
  /** The collection the gateway reads a package from, and the path parameter is its `_id`. */
  collection: string;
  publicKeyPem: string;
  algorithms: string[];
  installRequested: WireMessage;
}

const counts = { mongoCommands: 0, requests: {} as Record<string, number>, accepted: 0 };
let close: (() => Promise<void>) | undefined;
const reply = (message: object) => process.send!(message);

async function start(options: StartHttpService): Promise<number> {
  const mongo = new MongoClient(options.mongoUrl, { monitorCommands: true });
  mongo.on("commandStarted", () => counts.mongoCommands++);
  await mongo.connect();
  const packages = mongo.db(options.dbName).collection<{ _id: string }>(options.collection);
  const kafka = new Kafka({
    brokers: options.brokers,
    clientId: "bench-http-floor",
    logLevel: logLevel.ERROR,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  producer.on(producer.events.REQUEST, ({ payload }) => {
    counts.requests[payload.apiName] = (counts.requests[payload.apiName] ?? 0) + 1;
  });
  await producer.connect();
  const key = createPublicKey(options.publicKeyPem);
  const event = fromWireMessage(options.installRequested);

  const app = new Hono();
  app.post("/api/marketplace/packages/:packageId/install", async (c) => {
    const token = (c.req.header("authorization") ?? "").replace(/^Bearer /, "");
    try {
      await jwtVerify(token, key, { algorithms: options.algorithms, requiredClaims: ["sub", "exp"] });
    } catch {
      return c.json({ error: "Unauthorized" }, 401);
    }
    const body = (await c.req.json()) as { targetTenantId: string };
    const pkg = await packages.findOne({ _id: c.req.param("packageId") });
    if (!pkg) return c.json({ error: "PackageNotFound" }, 404);
    const installId = `mkt-install-${randomUUID()}`;
    await sendRecorded(producer, options.topic, body.targetTenantId, installId, [event]);
    counts.accepted++;
    return c.json(
      {
        installId,
        status: "InProgress",
        statusUrl: `/api/marketplace/installs/${installId}/status`,
        estimatedSeconds: 5,
      },
      202,
    );
  });
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => resolve(info.port));
    close = async () => {
      await new Promise((done) => server.close(done));
      await producer.disconnect();
      await mongo.close();
    };
  });
}

process.on("message", (message: StartHttpService | { type: "counts" | "stop" }) => {
  void (async () => {
    try {
      if (message.type === "start") reply({ type: "started", port: await start(message) });
      else if (message.type === "counts") reply({ type: "counts", ...counts });
      else if (message.type === "stop") {
        await close?.();
        reply({ type: "stopped" });
        process.exit(0);
      }
    } catch (error) {
      reply({ type: "error", error: (error as Error).stack ?? String(error) });
    }
  })();
});
process.on("disconnect", () => process.exit(0));
