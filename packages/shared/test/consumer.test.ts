import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type IHeaders, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createEventPublisher,
  createLogger,
  EventCodec,
  ensureTopics,
  type InstallEventOf,
  installTopics,
  PermanentError,
  runConsumer,
} from "../src/index.ts";
import { exampleEvents, isolatedConfig, uniqueId, waitFor } from "../src/testing/index.ts";

const config = isolatedConfig("consumer");
const kafka = new Kafka({
  brokers: config.KAFKA_BROKERS,
  clientId: "consumer-test",
  logLevel: logLevel.NOTHING,
});
const codec = new EventCodec(config.SCHEMA_REGISTRY_URL, config.INSTALL_EVENTS_TOPIC);
const logger = createLogger("consumer-test", "silent");
const fastRetry = { attempts: 3, initialBackoffMs: 10, maxBackoffMs: 50 };

beforeAll(async () => {
  await ensureTopics(kafka, installTopics(config));
  await codec.register();
});

function started(tenantId: string, total: number): InstallEventOf<"ImportStarted"> {
  return { ...exampleEvents({ installId: uniqueId("mkt-install"), tenantId }).ImportStarted, total };
}

async function readDlq(tenantId: string, count: number) {
  const seen: { key: string; value: Buffer | null; headers: IHeaders }[] = [];
  const consumer = kafka.consumer({ groupId: uniqueId("dlq-reader") });
  await consumer.connect();
  await consumer.subscribe({ topic: config.DLQ_TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() === tenantId)
        seen.push({ key: tenantId, value: message.value, headers: message.headers ?? {} });
    },
  });
  await waitFor(() => seen.length >= count, { what: "DLQ messages" });
  await consumer.disconnect();
  return seen;
}

describe("consumer runner", () => {
  it("sends an undecodable message to the DLQ with the error, group and attempts, and goes on", async () => {
    const tenantId = uniqueId("tenant");
    const groupId = uniqueId("group");
    const handled: number[] = [];
    const publisher = await createEventPublisher({
      kafka,
      codec,
      topic: config.INSTALL_EVENTS_TOPIC,
      source: "test",
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: config.INSTALL_EVENTS_TOPIC,
      messages: [{ key: tenantId, value: "not wire format", headers: { ce_type: "ImportStarted" } }],
    });
    await publisher.publish(started(tenantId, 7));

    const running = await runConsumer({
      kafka,
      codec,
      logger,
      groupId,
      topic: config.INSTALL_EVENTS_TOPIC,
      dlqTopic: config.DLQ_TOPIC,
      retry: fastRetry,
      handlers: {
        ImportStarted: async (event) => {
          if (event.tenantId === tenantId) handled.push(event.total);
        },
      },
    });
    await waitFor(() => handled.includes(7), { what: "the next message handled" });
    await running.stop();
    await producer.disconnect();
    await publisher.disconnect();

    const [dead] = await readDlq(tenantId, 1);
    expect(dead!.value?.toString()).toBe("not wire format");
    expect(dead!.headers.ce_type?.toString()).toBe("ImportStarted");
    expect(dead!.headers.dlq_group?.toString()).toBe(groupId);
    expect(dead!.headers.dlq_attempts?.toString()).toBe("1");
    expect(dead!.headers.dlq_reason?.toString()).toBe("undecodable");
    expect(dead!.headers.dlq_error?.toString()).toMatch(/magic byte|wire|encoded/i);
  });

  it("retries a failing handler with backoff, then dead-letters it after the last attempt", async () => {
    const tenantId = uniqueId("tenant");
    const attempts: number[] = [];
    const publisher = await createEventPublisher({
      kafka,
      codec,
      topic: config.INSTALL_EVENTS_TOPIC,
      source: "test",
    });
    await publisher.publish([started(tenantId, 1), started(tenantId, 2)]);
    await publisher.disconnect();
    const handledAfter: number[] = [];
    const running = await runConsumer({
      kafka,
      codec,
      logger,
      groupId: uniqueId("group"),
      topic: config.INSTALL_EVENTS_TOPIC,
      dlqTopic: config.DLQ_TOPIC,
      retry: fastRetry,
      handlers: {
        ImportStarted: async (event, context) => {
          if (event.tenantId !== tenantId) return;
          if (event.total === 1) {
            attempts.push(context.attempt);
            throw new Error("store unavailable");
          }
          handledAfter.push(event.total);
        },
      },
    });
    await waitFor(() => handledAfter.includes(2), { what: "the message after the failing one" });
    await running.stop();
    expect(attempts).toEqual([1, 2, 3]);
    const [dead] = await readDlq(tenantId, 1);
    expect(dead!.headers.dlq_attempts?.toString()).toBe("3");
    expect(dead!.headers.dlq_reason?.toString()).toBe("retries-exhausted");
    expect(dead!.headers.dlq_error?.toString()).toContain("store unavailable");
    expect(await codec.decode(dead!.value!)).toMatchObject({ total: 1 });
  });

  it("does not retry a PermanentError", async () => {
    const tenantId = uniqueId("tenant");
    let calls = 0;
    const publisher = await createEventPublisher({
      kafka,
      codec,
      topic: config.INSTALL_EVENTS_TOPIC,
      source: "test",
    });
    await publisher.publish(started(tenantId, 3));
    await publisher.disconnect();
    const running = await runConsumer({
      kafka,
      codec,
      logger,
      groupId: uniqueId("group"),
      topic: config.INSTALL_EVENTS_TOPIC,
      dlqTopic: config.DLQ_TOPIC,
      retry: fastRetry,
      handlers: {
        ImportStarted: async (event) => {
          if (event.tenantId === tenantId) {
            calls++;
            throw new PermanentError("invalid artifact");
          }
        },
      },
    });
    const [dead] = await readDlq(tenantId, 1);
    await running.stop();
    expect(calls).toBe(1);
    expect(dead!.headers.dlq_reason?.toString()).toBe("permanent-error");
  });

  it("delivers a message again after a consumer was killed before committing", async () => {
    const tenantId = uniqueId("tenant");
    const groupId = uniqueId("group");
    const publisher = await createEventPublisher({
      kafka,
      codec,
      topic: config.INSTALL_EVENTS_TOPIC,
      source: "test",
    });
    await publisher.publish(started(tenantId, 42));
    await publisher.disconnect();

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
    await survivor.stop();
    expect(again).toEqual([{ total: 42, offset: seen.offset }]);
    const [after] = await admin.fetchOffsets({ groupId, topics: [config.INSTALL_EVENTS_TOPIC] });
    expect(after!.partitions.find((p) => p.partition === seen.partition)!.offset).toBe(
      (BigInt(seen.offset) + 1n).toString(),
    );
    await admin.disconnect();
  });
});

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [config.INSTALL_EVENTS_TOPIC, config.DLQ_TOPIC] }).catch(() => {});
  await admin.disconnect();
});
