import { Kafka, logLevel } from "kafkajs";
import type { BaseConfig } from "../config.ts";
import type { EventCodec } from "../events/codec.ts";
import type { InstallEvent } from "../events/contracts.ts";
import type { EventPublisher } from "../kafka/publisher.ts";
import { connectEventTopic } from "../platform.ts";
import { uniqueId, waitFor } from "./index.ts";

export interface EventBus {
  kafka: Kafka;
  codec: EventCodec;
  publisher: EventPublisher;
  /** Every event on the topic since the beginning, decoded, in arrival order. */
  events: InstallEvent[];
  /** Events of one install, in order. */
  eventsOf(installId: string): InstallEvent[];
  /** Polls until `predicate` holds for the events of `installId`, then returns them. */
  waitForEvents(
    installId: string,
    predicate: (events: InstallEvent[]) => boolean,
    timeoutMs?: number,
  ): Promise<InstallEvent[]>;
  close(): Promise<void>;
}

/**
 * A test's view of the install-events topic: creates the topics, registers the schemas, publishes
 * events and records everything that appears on the topic.
 *
 * @example
 * const bus = await startEventBus(config);
 * await bus.publish(requested);
 * await bus.waitForEvents(installId, (events) => events.some((e) => e.type === "InstallSucceeded"));
 */
export async function startEventBus(config: BaseConfig): Promise<EventBus> {
  const kafka = new Kafka({
    brokers: config.KAFKA_BROKERS,
    clientId: "test-bus",
    logLevel: logLevel.NOTHING,
  });
  const { codec, publisher } = await connectEventTopic(kafka, config, "installhub/test");
  const events: InstallEvent[] = [];
  const consumer = kafka.consumer({ groupId: uniqueId("test-bus") });
  await consumer.connect();
  await consumer.subscribe({ topic: config.INSTALL_EVENTS_TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value) events.push(await codec.decode(message.value).catch(() => undefined as never));
    },
  });
  const eventsOf = (installId: string) => events.filter((event) => event?.installId === installId);
  return {
    kafka,
    codec,
    publisher,
    events,
    eventsOf,
    waitForEvents: (installId, predicate, timeoutMs = 60_000) =>
      waitFor(() => predicate(eventsOf(installId)) && eventsOf(installId), {
        timeoutMs,
        what: `events of ${installId}`,
      }),
    async close() {
      await consumer.disconnect();
      await publisher.disconnect();
    },
  };
}
