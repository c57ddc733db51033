import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import {
  type EventBus,
  exampleEvents,
  isolatedConfig,
  startEventBus,
  UndecodableEventError,
  uniqueId,
} from "../src/testing/index.ts";

// The test event bus is what every integration test's "nothing else was published" rests on, and what
// turns a contract bug into a failure instead of a timeout: both are proven here.

const kafka = new Kafka({ brokers: isolatedConfig("unused").KAFKA_BROKERS, logLevel: logLevel.NOTHING });
const buses: EventBus[] = [];

afterAll(async () => {
  for (const bus of buses) await bus.close().catch(() => {});
});

async function publishRaw(
  topic: string,
  messages: { key: string; value: string; headers?: Record<string, string> }[],
) {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();
}

describe("test event bus", () => {
  it("caughtUp: every event published before the call has been read, on every partition", async () => {
    const config = isolatedConfig("bus-caught-up");
    const writer = await startEventBus(config);
    buses.push(writer);
    const tenants = Array.from({ length: 12 }, () => uniqueId("tenant"));
    const installs = tenants.map((tenantId) =>
      exampleEvents({ installId: uniqueId("mkt-install"), tenantId }),
    );
    await writer.publisher.publish(installs.map((events) => events.ImportStarted));

    // A bus that has only just joined: nothing but caughtUp can have made it read these.
    const reader = await startEventBus(config);
    buses.push(reader);
    await reader.caughtUp();
    expect(new Set(reader.records.map((record) => record.partition)).size).toBeGreaterThan(1);
    expect(reader.events.map((event) => event.installId).sort()).toEqual(
      installs.map((events) => events.ImportStarted.installId).sort(),
    );
    const first = installs[0]!.ImportStarted;
    expect(reader.positionOf(first.installId, "ImportStarted")).toMatchObject({ offset: expect.any(BigInt) });
  });

  it("fails its waits at once, naming the record, when it reads one it cannot decode", async () => {
    const config = isolatedConfig("bus-undecodable");
    const bus = await startEventBus(config);
    const tenantId = uniqueId("tenant");
    await publishRaw(config.INSTALL_EVENTS_TOPIC, [
      { key: tenantId, value: "not an event", headers: { ce_type: "ImportStarted" } },
    ]);
    const started = Date.now();
    const waiting = bus.waitForEvents(uniqueId("mkt-install"), () => false, 60_000);
    await expect(waiting).rejects.toThrow(UndecodableEventError);
    await expect(waiting).rejects.toThrow(new RegExp(`key ${tenantId}, ce_type ImportStarted`));
    expect(Date.now() - started).toBeLessThan(30_000);
    await expect(bus.caughtUp()).rejects.toThrow(/partition \d+ offset 0/);
    await expect(bus.close()).rejects.toThrow(UndecodableEventError);
  });

  it("keeps undecodable records without failing when the test publishes them on purpose", async () => {
    const config = isolatedConfig("bus-poison-expected");
    const bus = await startEventBus(config, { allowUndecodable: true });
    buses.push(bus);
    const tenantId = uniqueId("tenant");
    await publishRaw(config.INSTALL_EVENTS_TOPIC, [{ key: tenantId, value: "poison" }]);
    const after = exampleEvents({ installId: uniqueId("mkt-install"), tenantId }).ImportStarted;
    await bus.publisher.publish(after);
    await bus.caughtUp();
    expect(bus.undecodable).toEqual([
      expect.objectContaining({ key: tenantId, offset: 0n, type: undefined, error: expect.any(String) }),
    ]);
    expect(bus.eventsOf(after.installId)).toEqual([after]);
  });
});
