import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createEventPublisher,
  EventCodec,
  ensureTopics,
  eventJsonSchema,
  type InstallEvent,
  installEventTypes,
  installTopics,
  subjectFor,
} from "../src/index.ts";
import { exampleEvents, isolatedConfig, uniqueId, waitFor } from "../src/testing/index.ts";

const config = isolatedConfig("contracts");
const kafka = new Kafka({
  brokers: config.KAFKA_BROKERS,
  clientId: "contracts-test",
  logLevel: logLevel.NOTHING,
});
const codec = new EventCodec(config.SCHEMA_REGISTRY_URL, config.INSTALL_EVENTS_TOPIC);

beforeAll(async () => {
  await ensureTopics(kafka, installTopics(config));
  await codec.register();
});

describe("event contracts on Kafka and the Schema Registry", () => {
  it("round-trips every event type through Kafka and the registry unchanged", async () => {
    const events = Object.values(
      exampleEvents({ installId: uniqueId("mkt-install"), tenantId: uniqueId("tenant") }),
    );
    expect(events.map((event) => event.type).sort()).toEqual([...installEventTypes].sort());

    const publisher = await createEventPublisher({
      kafka,
      codec,
      topic: config.INSTALL_EVENTS_TOPIC,
      source: "installhub/test",
    });
    await publisher.publish(events);
    await publisher.disconnect();

    const received: { event: InstallEvent; headers: Record<string, string>; schemaId: number }[] = [];
    const consumer = kafka.consumer({ groupId: uniqueId("roundtrip") });
    await consumer.connect();
    await consumer.subscribe({ topic: config.INSTALL_EVENTS_TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value!;
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        received.push({ event: await codec.decode(value), headers, schemaId: value.readInt32BE(1) });
      },
    });
    await waitFor(() => received.length >= events.length, { what: "all events consumed" });
    await consumer.disconnect();

    expect(received.map((r) => r.event)).toEqual(events);
    for (const { event, headers, schemaId } of received) {
      expect(headers).toMatchObject({
        ce_specversion: "1.0",
        ce_type: event.type,
        ce_source: "installhub/test",
        ce_subject: event.installId,
        ce_time: event.occurredAt,
        "content-type": "application/json",
      });
      expect(headers.ce_id).toMatch(/^[0-9a-f-]{36}$/);
      // The id in the wire format resolves through the Confluent-compatible API to this type's schema.
      const response = await fetch(`${config.SCHEMA_REGISTRY_URL}/schemas/ids/${schemaId}`);
      expect(response.status).toBe(200);
      const { schema } = (await response.json()) as { schema: string };
      expect(JSON.parse(schema)).toEqual(eventJsonSchema(event.type));
    }
  });

  it("registers every subject with BACKWARD compatibility, and registering again is harmless", async () => {
    const first = new Map(await codec.register());
    const again = await new EventCodec(config.SCHEMA_REGISTRY_URL, config.INSTALL_EVENTS_TOPIC).register();
    expect(new Map(again)).toEqual(first);
    for (const type of installEventTypes) {
      const response = await fetch(
        `${config.SCHEMA_REGISTRY_URL}/config/${subjectFor(config.INSTALL_EVENTS_TOPIC, type)}`,
      );
      expect(await response.json()).toEqual({ compatibilityLevel: "BACKWARD" });
    }
  });

  it("refuses an incompatible schema change and accepts a compatible one", async () => {
    const subject = subjectFor(config.INSTALL_EVENTS_TOPIC, "InstallFailed");
    const current = eventJsonSchema("InstallFailed") as {
      properties: Record<string, unknown>;
      required: string[];
    };
    const post = (schema: unknown) =>
      fetch(`${config.SCHEMA_REGISTRY_URL}/subjects/${subject}/versions`, {
        method: "POST",
        headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
        body: JSON.stringify({ schemaType: "JSON", schema: JSON.stringify(schema) }),
      });

    const breaking = {
      ...current,
      properties: { ...current.properties, retryable: { type: "boolean" } },
      required: [...current.required, "retryable"],
    };
    const refused = await post(breaking);
    expect(refused.status).toBe(409);

    const compatible = { ...current, properties: { ...current.properties, hint: { type: "string" } } };
    const accepted = await post(compatible);
    expect(accepted.status).toBe(200);
  });

  it("accepts every schema as a BACKWARD-compatible change of the schemas released before lifecycles", async () => {
    // The subjects a registry of an earlier deployment holds: each must take the current schema.
    const released: Record<string, unknown> = JSON.parse(
      readFileSync(join(import.meta.dirname, "fixtures", "event-schemas-1.0.json"), "utf8"),
    );
    const topic = `${uniqueId("released")}.install-events`;
    const post = (type: string, schema: unknown) =>
      fetch(`${config.SCHEMA_REGISTRY_URL}/subjects/${topic}-${type}/versions`, {
        method: "POST",
        headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
        body: JSON.stringify({ schemaType: "JSON", schema: JSON.stringify(schema) }),
      });
    expect(Object.keys(released).length).toBeGreaterThan(0);
    for (const [type, schema] of Object.entries(released)) {
      expect((await post(type, schema)).status).toBe(200);
    }
    const codec = new EventCodec(config.SCHEMA_REGISTRY_URL, topic);
    await expect(codec.register()).resolves.toBeDefined();
  });

  it("rejects an event that breaks its contract before it is produced", async () => {
    const event = exampleEvents({ installId: uniqueId("mkt-install"), tenantId: "t" }).ImportStarted;
    await expect(codec.encode({ ...event, total: -1 })).rejects.toThrow();
  });
});

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [config.INSTALL_EVENTS_TOPIC, config.DLQ_TOPIC] }).catch(() => {});
  await admin.disconnect();
});

describe("schema registration", () => {
  it("succeeds when several services register the same new subjects at once", async () => {
    const topic = `${uniqueId("concurrent")}.install-events`;
    const codecs = Array.from({ length: 4 }, () => new EventCodec(config.SCHEMA_REGISTRY_URL, topic));
    const results = await Promise.all(codecs.map((codec) => codec.register()));
    for (const ids of results) expect(new Map(ids)).toEqual(new Map(results[0]));
    const response = await fetch(
      `${config.SCHEMA_REGISTRY_URL}/config/${subjectFor(topic, "InstallRequested")}`,
    );
    expect(await response.json()).toEqual({ compatibilityLevel: "BACKWARD" });
  });
});
