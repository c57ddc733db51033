import { CompressionTypes, type Kafka, Partitioners, type Producer } from "kafkajs";
import { cloudEventHeaders } from "../events/cloudevents.ts";
import type { EventCodec } from "../events/codec.ts";
import type { InstallEvent } from "../events/contracts.ts";
import { countPublished } from "../metrics.ts";

export interface EventPublisher {
  /** Resolves once every event is acknowledged by all in-sync replicas (acks=all). */
  publish(events: InstallEvent | InstallEvent[], options?: { traceparent?: string }): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * An idempotent, acks=all producer of install events. The message key is the tenant, so one tenant's
 * installs stay in order on one partition.
 */
export async function createEventPublisher(options: {
  kafka: Kafka;
  codec: EventCodec;
  topic: string;
  source: string;
}): Promise<EventPublisher> {
  const producer: Producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    // Bounded, so a caller learns within seconds that Kafka cannot take an event (the gateway answers
    // 503) instead of the event being delivered long after the caller gave up.
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
  });
  await producer.connect();
  return {
    async publish(events, publishOptions) {
      const list = Array.isArray(events) ? events : [events];
      if (list.length === 0) return;
      const messages = await Promise.all(
        list.map(async (event) => ({
          key: event.tenantId,
          value: await options.codec.encode(event),
          headers: cloudEventHeaders(event, options.source, publishOptions?.traceparent),
        })),
      );
      await producer.send({
        topic: options.topic,
        acks: -1,
        compression: CompressionTypes.None,
        messages,
      });
      list.forEach(countPublished);
    },
    disconnect: () => producer.disconnect(),
  };
}
