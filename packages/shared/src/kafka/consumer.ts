import { setTimeout as sleep } from "node:timers/promises";
import {
  type Consumer,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  Partitioners,
  type Producer,
} from "kafkajs";
import { z } from "zod";
import { readCloudEventAttributes } from "../events/cloudevents.ts";
import type { EventCodec } from "../events/codec.ts";
import type { InstallEvent, InstallEventOf, InstallEventType } from "../events/contracts.ts";
import type { Logger } from "../logger.ts";
import { consumerLag, dlqMessages, handlerDuration } from "../metrics.ts";

export interface HandlerContext {
  eventId: string | undefined;
  partition: number;
  offset: string;
  headers: IHeaders;
  attempt: number;
  logger: Logger;
  /** Tells the group this member is alive; long handlers call it between slow steps (e.g. download retries). */
  heartbeat: () => Promise<void>;
}

export type EventHandler<T extends InstallEventType> = (
  event: InstallEventOf<T>,
  context: HandlerContext,
) => Promise<void>;

/** One handler per event type the consumer cares about; other types are skipped (and committed). */
export type EventHandlers = { [T in InstallEventType]?: EventHandler<T> };

/** Thrown by a handler for a message that will never succeed: it goes to the DLQ without retries. */
export class PermanentError extends Error {
  override readonly name = "PermanentError";
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, initialBackoffMs: 200, maxBackoffMs: 5000 };

export interface ConsumerOptions {
  kafka: Kafka;
  codec: EventCodec;
  topic: string;
  dlqTopic: string;
  groupId: string;
  handlers: EventHandlers;
  logger: Logger;
  retry?: RetryPolicy;
  /** Where a group without committed offsets starts; the pipeline's groups start at the beginning. */
  fromBeginning?: boolean;
  partitionsConsumedConcurrently?: number;
  /** How long the group waits for a silent member before giving its partitions to another. */
  sessionTimeoutMs?: number;
}

export interface RunningConsumer {
  consumer: Consumer;
  /** Stops taking messages, lets the in-flight handler finish and commit, then disconnects. */
  stop(): Promise<void>;
}

export function backoffMs(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attempt - 1));
}

/** Errors that no retry can fix: the bytes are not our wire format, or the payload breaks the contract. */
function isUndecodable(error: unknown): boolean {
  if (error instanceof z.ZodError) return true;
  const name = (error as Error | undefined)?.name ?? "";
  const status = (error as { status?: number } | undefined)?.status;
  return (
    name === "ConfluentSchemaRegistryArgumentError" ||
    name === "ConfluentSchemaRegistryValidationError" ||
    status === 404
  );
}

function describe(error: unknown): string {
  if (error instanceof z.ZodError) return `schema-invalid: ${z.prettifyError(error).replaceAll("\n", "; ")}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The one consumer loop of InstallHub: decode and validate each message, dispatch it to the typed
 * handler for its event type, retry transient failures with bounded backoff, send what cannot be
 * processed to the DLQ (original bytes and headers, plus error, group and attempt count), and commit
 * a message's offset only after its handler succeeded (or it was dead-lettered).
 *
 * @example
 * const running = await runConsumer({ kafka, codec, topic, dlqTopic, groupId: consumerGroupId(config, "scanner"), logger,
 *   handlers: { InstallRequested: (event, ctx) => scan(event, ctx) } });
 * process.once("SIGTERM", () => running.stop());
 */
export async function runConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const policy = options.retry ?? defaultRetryPolicy;
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3_000,
    retry: { retries: 10 },
  });
  const dlqProducer: Producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let stopping = false;
  const group = options.groupId;

  await Promise.all([consumer.connect(), dlqProducer.connect()]);
  await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });

  const sendToDlq = async (
    message: KafkaMessage,
    partition: number,
    reason: string,
    error: string,
    attempts: number,
  ) => {
    await dlqProducer.send({
      topic: options.dlqTopic,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            dlq_reason: reason,
            dlq_error: error.slice(0, 4000),
            dlq_group: group,
            dlq_attempts: String(attempts),
            dlq_topic: options.topic,
            dlq_partition: String(partition),
            dlq_offset: message.offset,
            dlq_failed_at: new Date().toISOString(),
          },
        },
      ],
    });
    dlqMessages.inc({ group, reason });
  };

  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    consumerLag.set(
      { group, topic: payload.topic, partition: String(payload.partition) },
      Number(payload.offsetLag),
    );
  });

  const commit = (partition: number, offset: string) =>
    consumer.commitOffsets([{ topic: options.topic, partition, offset: (BigInt(offset) + 1n).toString() }]);

  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
    eachMessage: async ({ partition, message, heartbeat }) => {
      const attributes = readCloudEventAttributes(message.headers);
      const log = options.logger.child({ eventId: attributes.id, partition, offset: message.offset });

      let event: InstallEvent | undefined;
      for (let attempt = 1; event === undefined; attempt++) {
        try {
          if (!message.value) throw new z.ZodError([]);
          event = await options.codec.decode(message.value);
        } catch (error) {
          if (isUndecodable(error) || attempt >= policy.attempts) {
            log.error({ err: error }, "undecodable message sent to the DLQ");
            await sendToDlq(message, partition, "undecodable", describe(error), attempt);
            await commit(partition, message.offset);
            return;
          }
          if (stopping) throw error; // not committed: redelivered after restart
          await sleep(backoffMs(attempt, policy));
          await heartbeat();
        }
      }

      const handler = options.handlers[event.type] as EventHandler<InstallEventType> | undefined;
      if (!handler) {
        await commit(partition, message.offset);
        return;
      }
      const eventLog = log.child({ installId: event.installId, tenantId: event.tenantId, type: event.type });
      for (let attempt = 1; ; attempt++) {
        const timer = handlerDuration.startTimer({ group, type: event.type });
        try {
          await handler(event, {
            eventId: attributes.id,
            partition,
            offset: message.offset,
            headers: message.headers ?? {},
            attempt,
            logger: eventLog,
            heartbeat,
          });
          timer({ outcome: "ok" });
          await commit(partition, message.offset);
          return;
        } catch (error) {
          timer({ outcome: "error" });
          const permanent = error instanceof PermanentError;
          if (permanent || attempt >= policy.attempts) {
            eventLog.error({ err: error, attempt }, "handler failed for good; message sent to the DLQ");
            await sendToDlq(
              message,
              partition,
              permanent ? "permanent-error" : "retries-exhausted",
              describe(error),
              attempt,
            );
            await commit(partition, message.offset);
            return;
          }
          eventLog.warn({ err: error, attempt }, "handler failed; retrying");
          if (stopping) throw error;
          await sleep(backoffMs(attempt, policy));
          await heartbeat();
        }
      }
    },
  });

  return {
    consumer,
    async stop() {
      stopping = true;
      await consumer.disconnect();
      await dlqProducer.disconnect();
    },
  };
}
