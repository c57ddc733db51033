import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type IHeaders, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectMongo,
  createEventPublisher,
  createLogger,
  deadLetterLedger,
  EventCodec,
  type EventHandlers,
  type EventPublisher,
  ensureTopics,
  type FailureHooks,
  type InstallEventOf,
  installTopics,
  type MongoConnection,
  PermanentError,
  type RunningConsumer,
  readTopicToEnd,
  runConsumer,
  TransientError,
} from "../src/index.ts";
import { exampleEvents, isolatedConfig, uniqueId, waitFor } from "../src/testing/index.ts";

const config = isolatedConfig("consumer");
/** One partition: every tenant of these tests shares it, so ordering and lanes are really tested. */
const singlePartition = `${config.INSTALL_EVENTS_TOPIC}.single`;
const kafka = new Kafka({
  brokers: config.KAFKA_BROKERS,
  clientId: "consumer-test",
  logLevel: logLevel.NOTHING,
});
const codec = new EventCodec(config.SCHEMA_REGISTRY_URL, config.INSTALL_EVENTS_TOPIC);
const logger = createLogger("consumer-test", "silent");
const fastRetry = { deterministicAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 50 };
let publisher: EventPublisher;
let mongo: MongoConnection;

beforeAll(async () => {
  await ensureTopics(kafka, [
    ...installTopics(config),
    { topic: singlePartition, numPartitions: 1, replicationFactor: 1 },
  ]);
  await codec.register();
  publisher = await createEventPublisher({
    kafka,
    codec,
    topic: config.INSTALL_EVENTS_TOPIC,
    source: "test",
  });
  mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB);
});

afterAll(async () => {
  await publisher?.disconnect();
  await mongo?.db.dropDatabase();
  await mongo?.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin
    .deleteTopics({ topics: [config.INSTALL_EVENTS_TOPIC, config.DLQ_TOPIC, singlePartition] })
    .catch(() => {});
  await admin.disconnect();
});

function started(tenantId: string, total: number): InstallEventOf<"ImportStarted"> {
  return { ...exampleEvents({ installId: uniqueId("mkt-install"), tenantId }).ImportStarted, total };
}

function consume(
  handlers: EventHandlers,
  extra: { groupId?: string; hooks?: FailureHooks; topic?: string; ledger?: boolean } = {},
): Promise<RunningConsumer> {
  return runConsumer({
    kafka,
    codec,
    logger,
    groupId: extra.groupId ?? uniqueId("group"),
    topic: extra.topic ?? config.INSTALL_EVENTS_TOPIC,
    dlqTopic: config.DLQ_TOPIC,
    retry: fastRetry,
    handlers,
    ...(extra.hooks ? { hooks: extra.hooks } : {}),
    ...(extra.ledger ? { deadLetters: deadLetterLedger(mongo.db) } : {}),
  });
}

/** Every DLQ message keyed by `tenantId`, once at least `atLeast` are there: the DLQ read to its end. */
async function deadLettersOf(tenantId: string, atLeast: number) {
  let seen: { value: Buffer | null; headers: IHeaders }[] = [];
  await waitFor(
    async () => {
      seen = [];
      await readTopicToEnd(kafka, config.DLQ_TOPIC, ({ message }) => {
        if (message.key?.toString() === tenantId)
          seen.push({ value: message.value, headers: message.headers ?? {} });
      });
      return seen.length >= atLeast;
    },
    { what: "DLQ messages" },
  );
  return seen;
}

const header = (headers: IHeaders, name: string) => headers[name]?.toString();

describe("consumer runner: decode or dead-letter", () => {
  it("sends an undecodable message to the DLQ once, with the error, group and source, and goes on", async () => {
    const tenantId = uniqueId("tenant");
    const groupId = uniqueId("group");
    const handled: number[] = [];
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: config.INSTALL_EVENTS_TOPIC,
      messages: [{ key: tenantId, value: "not wire format", headers: { ce_type: "NoSuchType" } }],
    });
    await producer.disconnect();
    await publisher.publish(started(tenantId, 7));
    const handlers: EventHandlers = {
      ImportStarted: async (event) => {
        if (event.tenantId === tenantId) handled.push(event.total);
      },
    };
    const running = await consume(handlers, { groupId, ledger: true });
    await waitFor(() => handled.includes(7), { what: "the next message handled" });
    await running.stop();

    // Delivered again (the group starts over): dead-lettered once all the same.
    const admin = kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId, topic: config.INSTALL_EVENTS_TOPIC, earliest: true });
    await admin.disconnect();
    const again = await consume(handlers, { groupId, ledger: true });
    await waitFor(() => handled.filter((total) => total === 7).length === 2, { what: "the replay" });
    await again.stop();

    const letters = await deadLettersOf(tenantId, 1);
    expect(letters).toHaveLength(1);
    const [dead] = letters;
    expect(dead!.value?.toString()).toBe("not wire format");
    expect(header(dead!.headers, "ce_type")).toBe("NoSuchType");
    expect(header(dead!.headers, "dlq_group")).toBe(groupId);
    expect(header(dead!.headers, "dlq_reason")).toBe("undecodable");
    expect(header(dead!.headers, "dlq_error")).toMatch(/magic byte|wire|encoded/i);
    expect(header(dead!.headers, "dlq_id")).toMatch(new RegExp(`^${groupId}\\|`));
  });

  it("ends the install named by an undecodable record meant for this consumer, and not for other types", async () => {
    const tenantId = uniqueId("tenant");
    const meant = uniqueId("mkt-install");
    const other = uniqueId("mkt-install");
    const ended: string[] = [];
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: config.INSTALL_EVENTS_TOPIC,
      messages: [
        { key: tenantId, value: "\u0000garbage", headers: { ce_type: "ImportStarted", ce_subject: meant } },
        { key: tenantId, value: "garbage", headers: { ce_type: "InstallSucceeded", ce_subject: other } },
      ],
    });
    await producer.disconnect();
    const marker = started(tenantId, 99);
    await publisher.publish(marker);
    let sawMarker = false;
    const running = await consume(
      {
        ImportStarted: async (event) => {
          if (event.installId === marker.installId) sawMarker = true;
        },
      },
      {
        hooks: { onUndecodable: async (record) => void ended.push(`${record.installId}:${record.tenantId}`) },
      },
    );
    await waitFor(() => sawMarker, { what: "the marker" });
    await running.stop();
    expect(ended).toEqual([`${meant}:${tenantId}`]);
  });
});

describe("consumer runner: failure classes", () => {
  it("ends the install through the hook after a deterministic failure's last attempt, and goes on", async () => {
    const tenantId = uniqueId("tenant");
    const attempts: number[] = [];
    const ended: { total: number; error: string }[] = [];
    await publisher.publish([started(tenantId, 1), started(tenantId, 2)]);
    const handledAfter: number[] = [];
    const running = await consume(
      {
        ImportStarted: async (event, context) => {
          if (event.tenantId !== tenantId) return;
          if (event.total === 1) {
            attempts.push(context.attempt);
            throw new Error('invalid key: "$where"');
          }
          handledAfter.push(event.total);
        },
      },
      {
        hooks: {
          onDeterministicFailure: async (event, error) => {
            if (event.type === "ImportStarted") ended.push({ total: event.total, error: String(error) });
          },
        },
      },
    );
    await waitFor(() => handledAfter.includes(2), { what: "the message after the failing one" });
    await running.stop();
    expect(attempts).toEqual([1, 2, 3]);
    expect(ended).toEqual([{ total: 1, error: expect.stringContaining("$where") }]);
  });

  it("dead-letters a deterministic failure when no hook can end the install; a PermanentError is tried once", async () => {
    const tenantId = uniqueId("tenant");
    let calls = 0;
    await publisher.publish(started(tenantId, 3));
    const running = await consume({
      ImportStarted: async (event) => {
        if (event.tenantId === tenantId) {
          calls++;
          throw new PermanentError("invalid artifact");
        }
      },
    });
    const [dead] = await deadLettersOf(tenantId, 1);
    await running.stop();
    expect(calls).toBe(1);
    expect(header(dead!.headers, "dlq_reason")).toBe("permanent-error");
    expect(await codec.decode(dead!.value!)).toMatchObject({ total: 3 });
  });

  it("waits out a transient failure for as long as it takes — not ready meanwhile, never dead-lettered", async () => {
    const tenantId = uniqueId("tenant");
    let dependencyUp = false;
    let tries = 0;
    const handled: number[] = [];
    await publisher.publish([started(tenantId, 4), started(tenantId, 5)]);
    const running = await consume(
      {
        ImportStarted: async (event) => {
          if (event.tenantId !== tenantId) return;
          if (event.total === 4 && !dependencyUp) {
            tries++;
            throw new TransientError("store unreachable");
          }
          handled.push(event.total);
        },
      },
      {
        hooks: {
          onDeterministicFailure: async () => expect.unreachable("a transient failure ended the install"),
        },
      },
    );
    // Far more tries than a deterministic failure gets, and the next event of the tenant waits.
    await waitFor(() => tries >= 10, { what: "ten tries" });
    expect(running.health()).toMatchObject({
      waiting: 1,
      reason: expect.stringContaining("store unreachable"),
    });
    expect(handled).toEqual([]);
    dependencyUp = true;
    await waitFor(() => handled.length === 2, { what: "both events, in order" });
    expect(handled).toEqual([4, 5]);
    expect(running.health().waiting).toBe(0);
    await running.stop();
  });
});

describe("consumer runner: lanes and commits", () => {
  it("keeps each key's events in order while other keys on the same partition go on", async () => {
    const slow = uniqueId("tenant-slow");
    const fast = uniqueId("tenant-fast");
    const single = await createEventPublisher({ kafka, codec, topic: singlePartition, source: "test" });
    await single.publish([started(slow, 1), started(slow, 2), started(fast, 1), started(fast, 2)]);
    await single.disconnect();
    const order: string[] = [];
    let releaseSlow = () => {};
    const slowHeld = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    const running = await consume(
      {
        ImportStarted: async (event) => {
          if (event.tenantId === slow && event.total === 1) await slowHeld;
          if (event.tenantId === slow || event.tenantId === fast)
            order.push(`${event.tenantId}:${event.total}`);
        },
      },
      { topic: singlePartition },
    );
    // The fast tenant finishes while the slow one is held on its first event.
    await waitFor(() => order.length === 2, { what: "the fast tenant" });
    expect(order).toEqual([`${fast}:1`, `${fast}:2`]);
    releaseSlow();
    await waitFor(() => order.length === 4, { what: "the slow tenant" });
    expect(order.slice(2)).toEqual([`${slow}:1`, `${slow}:2`]);
    await running.stop();
  });

  it("delivers a message again after a consumer was killed before committing", async () => {
    const tenantId = uniqueId("tenant");
    const groupId = uniqueId("group");
    await publisher.publish(started(tenantId, 42));

    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL("./fixtures/crashing-consumer.ts", import.meta.url))],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: config.KAFKA_BROKERS.join(","),
          TOPIC: config.INSTALL_EVENTS_TOPIC,
          DLQ: config.DLQ_TOPIC,
          GROUP_ID: groupId,
          TENANT_ID: tenantId,
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    const exit = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    expect(exit).toBe("SIGKILL");
    const seen = JSON.parse(output.trim()) as { partition: number; offset: string };

    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [config.INSTALL_EVENTS_TOPIC] });
    const partitionOffset = committed!.partitions.find((p) => p.partition === seen.partition)!.offset;
    expect(partitionOffset === "-1" || BigInt(partitionOffset) <= BigInt(seen.offset)).toBe(true);

    const again: { total: number; offset: string }[] = [];
    const survivor = await runConsumer({
      kafka,
      codec,
      logger,
      groupId,
      topic: config.INSTALL_EVENTS_TOPIC,
      dlqTopic: config.DLQ_TOPIC,
      sessionTimeoutMs: 6000,
      handlers: {
        ImportStarted: async (event, context) => {
          if (event.tenantId === tenantId) again.push({ total: event.total, offset: context.offset });
        },
      },
    });
    await waitFor(() => again.length > 0, { what: "redelivery", timeoutMs: 60_000 });
    await waitFor(
      async () => {
        const [after] = await admin.fetchOffsets({ groupId, topics: [config.INSTALL_EVENTS_TOPIC] });
        return (
          after!.partitions.find((p) => p.partition === seen.partition)!.offset ===
          String(BigInt(seen.offset) + 1n)
        );
      },
      { what: "the commit after the redelivered message" },
    );
    await survivor.stop();
    expect(again).toEqual([{ total: 42, offset: seen.offset }]);
    await admin.disconnect();
  });
});
