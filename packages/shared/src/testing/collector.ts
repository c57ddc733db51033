import { setTimeout as sleep } from "node:timers/promises";
import { type Admin, Kafka, logLevel } from "kafkajs";
import type { BaseConfig } from "../config.ts";
import { headerText } from "../events/cloudevents.ts";
import type { EventCodec } from "../events/codec.ts";
import type { InstallEvent, InstallEventType } from "../events/contracts.ts";
import { classifyFailure, describeError } from "../failures.ts";
import type { EventPublisher } from "../kafka/publisher.ts";
import { topicOffsets } from "../kafka/read-topic.ts";
import { connectEventTopic } from "../platform.ts";
import { uniqueId } from "./index.ts";

/** One event the bus read, and where. */
export interface BusRecord {
  partition: number;
  offset: bigint;
  event: InstallEvent;
}

/** A record on the topic the bus could not decode into an event. */
export interface UndecodableBusRecord {
  partition: number;
  offset: bigint;
  key: string | undefined;
  /** The `ce_type` header, when there is one. */
  type: string | undefined;
  error: string;
}

/** Thrown by the bus's waits once it has read a record it could not decode (and none was expected). */
export class UndecodableEventError extends Error {
  override readonly name = "UndecodableEventError";
}

export interface EventBusOptions {
  /**
   * Undecodable records are expected on this topic (a test that publishes poison on purpose): they
   * are kept in `undecodable` and do not fail the bus's waits.
   */
  allowUndecodable?: boolean;
}

export interface EventBus {
  kafka: Kafka;
  codec: EventCodec;
  publisher: EventPublisher;
  /** Every event on the topic since the beginning, decoded, in arrival order. */
  events: InstallEvent[];
  /** The same events with their partition and offset. */
  records: BusRecord[];
  /** Records that could not be decoded; unless `allowUndecodable`, any of them fails every wait. */
  undecodable: UndecodableBusRecord[];
  /** Events of one install, in order. */
  eventsOf(installId: string): InstallEvent[];
  /** Where the first `type` event of `installId` was read; undefined while it has not been. */
  positionOf(installId: string, type: InstallEventType): { partition: number; offset: bigint } | undefined;
  /**
   * Polls until `predicate` holds for the events of `installId`, then returns them. Throws
   * `UndecodableEventError` as soon as the bus reads a record it cannot decode.
   */
  waitForEvents(
    installId: string,
    predicate: (events: InstallEvent[]) => boolean,
    timeoutMs?: number,
  ): Promise<InstallEvent[]>;
  /**
   * Waits until the bus has read every partition of the topic up to its high watermark as it is at
   * the call: afterwards, `events` holds everything that was published before the call. This is how
   * a test knows "nothing else was published" — never by a marker, which lands on one partition only.
   */
  caughtUp(timeoutMs?: number): Promise<void>;
  /**
   * Waits until consumer group `groupId` has committed every partition of the topic up to its high
   * watermark as it is at the call: the group's service has handled (durably) everything published
   * before it. Follow it with `caughtUp()` to see what that service published meanwhile.
   */
  groupCaughtUp(groupId: string, timeoutMs?: number): Promise<void>;
  /** The group's committed offset per partition (the next offset it will read); absent: none yet. */
  committedOffsets(groupId: string): Promise<Map<number, bigint>>;
  close(): Promise<void>;
}

/**
 * A test's view of the install-events topic: creates the topics, registers the schemas, publishes
 * events and records everything that appears on the topic. A record it cannot decode is a contract
 * bug, so it fails the test loudly — every wait throws, naming it — instead of becoming a timeout;
 * tests that publish such records on purpose say so with `allowUndecodable`.
 *
 * @example
 * const bus = await startEventBus(config);
 * await bus.publisher.publish([requested, verdict]);
 * await bus.waitForEvents(installId, (events) => events.some((e) => e.type === "InstallSucceeded"));
 * await bus.caughtUp();
 * expect(bus.eventsOf(installId).filter((e) => e.type === "InstallSucceeded")).toHaveLength(1);
 */
export async function startEventBus(config: BaseConfig, options: EventBusOptions = {}): Promise<EventBus> {
  const kafka = new Kafka({
    brokers: config.KAFKA_BROKERS,
    clientId: "test-bus",
    logLevel: logLevel.NOTHING,
  });
  const topic = config.INSTALL_EVENTS_TOPIC;
  const { codec, publisher } = await connectEventTopic(kafka, config, "installhub/test");
  const events: InstallEvent[] = [];
  const records: BusRecord[] = [];
  const undecodable: UndecodableBusRecord[] = [];
  /** Per partition, the offset after the last record read. */
  const readUpTo = new Map<number, bigint>();
  const admin: Admin = kafka.admin();
  await admin.connect();

  // The registry being away for a moment is not a contract bug: such failures are tried again.
  const decode = async (value: Buffer): Promise<InstallEvent> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await codec.decode(value);
      } catch (error) {
        if (classifyFailure(error) !== "transient" || attempt >= 20) throw error;
        await sleep(250);
      }
    }
  };

  const consumer = kafka.consumer({ groupId: uniqueId("test-bus") });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const offset = BigInt(message.offset);
      try {
        if (!message.value) throw new Error("the record has no value");
        const event = await decode(message.value);
        events.push(event);
        records.push({ partition, offset, event });
      } catch (error) {
        undecodable.push({
          partition,
          offset,
          key: message.key?.toString("utf8"),
          type: headerText(message.headers, "ce_type"),
          error: describeError(error),
        });
      }
      readUpTo.set(partition, offset + 1n);
    },
  });

  const failIfUndecodable = () => {
    if (options.allowUndecodable || undecodable.length === 0) return;
    const listed = undecodable
      .slice(0, 5)
      .map(
        (record) =>
          `partition ${record.partition} offset ${record.offset} (key ${record.key ?? "none"}, ce_type ${record.type ?? "none"}): ${record.error}`,
      )
      .join("; ");
    throw new UndecodableEventError(
      `the test bus read ${undecodable.length} record(s) on ${topic} it cannot decode — a contract bug? ${listed}` +
        " (a test that publishes such records on purpose starts its bus with { allowUndecodable: true })",
    );
  };

  /** Polls `probe` until it returns a value; fails at once on an undecodable record, else at the deadline. */
  const poll = async <T>(
    probe: () => Promise<T | undefined | false> | T | undefined | false,
    what: string,
    timeoutMs: number,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      failIfUndecodable();
      try {
        const value = await probe();
        if (value !== undefined && value !== false) return value;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() > deadline) {
        const reason = lastError instanceof Error ? `; last error: ${lastError.message}` : "";
        throw new Error(`timed out waiting for ${what}${reason}`);
      }
      await sleep(100);
    }
  };

  const committedOffsets = async (groupId: string) => {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const offsets = new Map<number, bigint>();
    for (const { partition, offset } of committed?.partitions ?? []) {
      if (BigInt(offset) >= 0n) offsets.set(partition, BigInt(offset));
    }
    return offsets;
  };

  /** Partitions holding records, with the offset every one of them ends at now. */
  const endsNow = async () =>
    (await topicOffsets(admin, topic)).filter((partition) => partition.high > partition.low);

  const eventsOf = (installId: string) => events.filter((event) => event.installId === installId);
  return {
    kafka,
    codec,
    publisher,
    events,
    records,
    undecodable,
    eventsOf,
    positionOf(installId, type) {
      const found = records.find(
        (record) => record.event.installId === installId && record.event.type === type,
      );
      return found && { partition: found.partition, offset: found.offset };
    },
    waitForEvents: (installId, predicate, timeoutMs = 60_000) =>
      poll(() => predicate(eventsOf(installId)) && eventsOf(installId), `events of ${installId}`, timeoutMs),
    async caughtUp(timeoutMs = 60_000) {
      const ends = await endsNow();
      await poll(
        () => ends.every(({ partition, high }) => (readUpTo.get(partition) ?? 0n) >= high),
        `the test bus to read ${topic} up to ${ends.map((p) => `${p.partition}:${p.high}`).join(", ")}`,
        timeoutMs,
      );
    },
    async groupCaughtUp(groupId, timeoutMs = 60_000) {
      const ends = await endsNow();
      await poll(
        async () => {
          const committed = await committedOffsets(groupId);
          return ends.every(({ partition, high }) => (committed.get(partition) ?? 0n) >= high);
        },
        `group ${groupId} to commit ${topic} up to ${ends.map((p) => `${p.partition}:${p.high}`).join(", ")}`,
        timeoutMs,
      );
    },
    committedOffsets,
    async close() {
      await consumer.disconnect();
      await publisher.disconnect();
      await admin.disconnect();
      failIfUndecodable();
    },
  };
}
