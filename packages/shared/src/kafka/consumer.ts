import type { Consumer, IHeaders, Kafka, KafkaMessage, Producer } from "kafkajs";
import { Partitioners } from "kafkajs";
import { headerText, readCloudEventAttributes } from "../events/cloudevents.ts";
import type { EventCodec } from "../events/codec.ts";
import type { InstallEvent, InstallEventOf, InstallEventType } from "../events/contracts.ts";
import { classifyFailure, describeError } from "../failures.ts";
import type { Logger } from "../logger.ts";
import { consumerLag, consumerWaiting, dlqMessages, handlerDuration, handlerFailures } from "../metrics.ts";
import { retryTransientForever } from "../retry.ts";
import { type DeadLetterLedger, type DeadLetterReason, sendDeadLetter } from "./dead-letters.ts";
import { CommittableOffset, lanesByKey, runLanes } from "./key-lanes.ts";

export interface HandlerContext {
  eventId: string | undefined;
  partition: number;
  offset: string;
  headers: IHeaders;
  /** 1 for the first try; transient failures are tried again for as long as it takes. */
  attempt: number;
  logger: Logger;
  /** Tells the group this member is alive; the runner also does so every few seconds on its own. */
  heartbeat: () => Promise<void>;
}

export type EventHandler<T extends InstallEventType> = (
  event: InstallEventOf<T>,
  context: HandlerContext,
) => Promise<void>;

/** One handler per event type the consumer cares about; other types are skipped (and committed). */
export type EventHandlers = { [T in InstallEventType]?: EventHandler<T> };

/** What can be read of a record that is not a decodable event, to end its install. */
export interface UndecodableRecord {
  /** `ce_type`, or the payload's `type`. */
  type: string | undefined;
  installId: string | undefined;
  /** The record key, or the payload's `tenantId`. */
  tenantId: string | undefined;
  packageId: string | undefined;
  version: string | undefined;
  error: string;
}

/**
 * What a consumer does when an install cannot go on (docs/design.md §8). Each service that owns a step
 * ends the install it cannot advance with its terminal event; when a hook is absent or fails for
 * good, the message goes to the DLQ so that nothing is lost.
 */
export interface FailureHooks {
  /** A handler failed deterministically (after `deterministicAttempts`): end the install. */
  onDeterministicFailure?: (event: InstallEvent, error: unknown, context: HandlerContext) => Promise<void>;
  /**
   * A record this consumer would have handled (its `ce_type` has a handler here) cannot be decoded
   * but names an install: end that install, which would otherwise wait for the record forever.
   */
  onUndecodable?: (record: UndecodableRecord & { installId: string }, logger: Logger) => Promise<void>;
}

export interface ConsumerRetry {
  /** Tries in all for a deterministic failure before the failure hook runs (unknown errors included). */
  deterministicAttempts: number;
  initialBackoffMs: number;
  /** The longest wait between two tries while a dependency is away. */
  maxBackoffMs: number;
}

export const defaultConsumerRetry: ConsumerRetry = {
  deterministicAttempts: 3,
  initialBackoffMs: 200,
  maxBackoffMs: 10_000,
};

/** The consumer retry a service's configuration asks for. */
export function consumerRetryOf(config: {
  CONSUMER_INITIAL_BACKOFF_MS: number;
  CONSUMER_MAX_BACKOFF_MS: number;
  CONSUMER_DETERMINISTIC_ATTEMPTS: number;
}): ConsumerRetry {
  return {
    deterministicAttempts: config.CONSUMER_DETERMINISTIC_ATTEMPTS,
    initialBackoffMs: config.CONSUMER_INITIAL_BACKOFF_MS,
    maxBackoffMs: config.CONSUMER_MAX_BACKOFF_MS,
  };
}

/**
 * Handles every decoded event of one fetched batch at once (in partition order), for consumers whose
 * work folds many events into few writes (the status projector). It must be as idempotent as a
 * per-event handler. If it fails deterministically, the batch is handled again one event at a time
 * with `handlers`, so that one bad event is dealt with alone.
 */
export type BatchHandler = (
  events: InstallEvent[],
  context: { logger: Logger; heartbeat: () => Promise<void> },
) => Promise<void>;

export interface ConsumerOptions {
  kafka: Kafka;
  codec: EventCodec;
  topic: string;
  dlqTopic: string;
  groupId: string;
  handlers: EventHandlers;
  batchHandler?: BatchHandler;
  logger: Logger;
  /** Remembers dead letters so a redelivered record is dead-lettered once per group. */
  deadLetters?: DeadLetterLedger;
  hooks?: FailureHooks;
  retry?: ConsumerRetry;
  /** Where a group without committed offsets starts; the pipeline's groups start at the beginning. */
  fromBeginning?: boolean;
  partitionsConsumedConcurrently?: number;
  /** Keys (tenants) of one partition's batch handled at once; one key's events always in order. */
  keysConcurrently?: number;
  /** How long the group waits for a silent member before giving its partitions to another. */
  sessionTimeoutMs?: number;
}

export interface ConsumerHealth {
  /** Messages whose handler is waiting for a dependency to come back. */
  waiting: number;
  /** The last transient failure seen while waiting. */
  reason: string | undefined;
}

export interface RunningConsumer {
  consumer: Consumer;
  /** Whether the consumer is waiting for a dependency (`/readyz` reports it not ready meanwhile). */
  health(): ConsumerHealth;
  /** Stops taking messages, lets in-flight handlers finish and commit, then disconnects. */
  stop(): Promise<void>;
}

const heartbeatEveryMs = 3_000;

/** kafkajs's own test for "the group is rebalancing; rejoin" (errors.js `isRebalancing`). */
function isRebalancing(error: unknown): boolean {
  const type = (error as { type?: string } | undefined)?.type;
  return (
    type === "REBALANCE_IN_PROGRESS" || type === "NOT_COORDINATOR_FOR_GROUP" || type === "ILLEGAL_GENERATION"
  );
}

/**
 * The one consumer loop of InstallHub. For each fetched batch of a partition:
 * 1. **lanes** — messages are split by key; a tenant's events run in order, tenants run side by side;
 * 2. **decode or dead-letter** — bytes that are not an event go to the DLQ (once per group); if they
 *    were meant for this consumer and name an install, `hooks.onUndecodable` ends that install;
 * 3. **handle** — transient failures (store, broker, registry unreachable) are retried with capped
 *    backoff for as long as it takes, heartbeating, `/readyz` not ready meanwhile; deterministic ones
 *    go to `hooks.onDeterministicFailure`, which ends the install (or, failing that, to the DLQ);
 * 4. **commit** — up to the first message not yet done, once per batch (kafkajs autoCommit of the
 *    offsets resolved here), so nothing is committed before its effects are durable.
 *
 * @example
 * const running = await runConsumer({ kafka, codec, topic, dlqTopic, groupId: consumerGroupId(config, "scanner"),
 *   logger, handlers: { InstallRequested: (event, ctx) => scan(event, ctx) } });
 * process.once("SIGTERM", () => running.stop());
 */
export async function runConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const retry = options.retry ?? defaultConsumerRetry;
  const group = options.groupId;
  const consumer = options.kafka.consumer({
    groupId: group,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: heartbeatEveryMs,
    retry: { retries: 10 },
  });
  const dlqProducer: Producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const stopping = new AbortController();
  const health: ConsumerHealth = { waiting: 0, reason: undefined };
  consumerWaiting.set({ group }, 0);

  await Promise.all([consumer.connect(), dlqProducer.connect()]);
  await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });

  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    consumerLag.set(
      { group, topic: payload.topic, partition: String(payload.partition) },
      Number(payload.offsetLag),
    );
  });

  /** Runs `work` until it succeeds, waiting out transient failures; counts this message as waiting. */
  const untilDone = async <T>(
    work: (attempt: number) => Promise<T>,
    log: Logger,
    heartbeat: () => Promise<void>,
  ): Promise<T> => {
    let waiting = false;
    try {
      return await retryTransientForever(work, {
        deterministicAttempts: retry.deterministicAttempts,
        initialBackoffMs: retry.initialBackoffMs,
        maxBackoffMs: retry.maxBackoffMs,
        signal: stopping.signal,
        onRetry: async (error, attempt, delayMs) => {
          const kind = classifyFailure(error);
          handlerFailures.inc({ group, class: kind });
          if (kind === "transient" && !waiting) {
            waiting = true;
            health.waiting += 1;
            consumerWaiting.set({ group }, health.waiting);
          }
          if (kind === "transient") health.reason = describeError(error);
          log.warn({ err: error, attempt, delayMs, failure: kind }, "failed; trying again");
          await heartbeat().catch(() => {});
        },
      });
    } finally {
      if (waiting) {
        health.waiting -= 1;
        consumerWaiting.set({ group }, health.waiting);
        if (health.waiting === 0) health.reason = undefined;
      }
    }
  };

  const deadLetter = async (
    message: KafkaMessage,
    partition: number,
    reason: DeadLetterReason,
    error: unknown,
    attempts: number,
    log: Logger,
    heartbeat: () => Promise<void>,
  ) => {
    const sent = await untilDone(
      () =>
        sendDeadLetter(dlqProducer, options.dlqTopic, options.deadLetters, {
          source: { group, topic: options.topic, partition, offset: message.offset },
          message,
          reason,
          error: describeError(error),
          attempts,
          at: new Date(),
        }),
      log,
      heartbeat,
    );
    if (sent) dlqMessages.inc({ group, reason });
    log.error({ err: error, reason, alreadyDeadLettered: !sent }, "message sent to the DLQ");
  };

  /** Decodes one message; undefined when it went to the DLQ instead. */
  const decodeOrDeadLetter = async (
    message: KafkaMessage,
    partition: number,
    log: Logger,
    heartbeat: () => Promise<void>,
  ): Promise<InstallEvent | undefined> => {
    const value = message.value;
    let failure: unknown = value ? undefined : new Error("the record has no value");
    const event = value
      ? await untilDone(
          async () => {
            try {
              return await options.codec.decode(value);
            } catch (error) {
              // The registry being away is worth waiting for; anything else about the bytes is final.
              if (classifyFailure(error) === "transient") throw error;
              failure = error;
              return undefined;
            }
          },
          log,
          heartbeat,
        )
      : undefined;
    if (event) return event;
    await deadLetter(message, partition, "undecodable", failure, 1, log, heartbeat);
    const record = readUndecodable(message, describeError(failure));
    const meantForUs = record.type !== undefined && record.type in options.handlers;
    if (options.hooks?.onUndecodable && meantForUs && record.installId) {
      const named = { ...record, installId: record.installId };
      await untilDone(() => options.hooks!.onUndecodable!(named, log), log, heartbeat).catch(
        (error: unknown) => log.error({ err: error }, "could not end the install of an undecodable record"),
      );
    }
    return undefined;
  };

  /** Handles one decoded event until it is done, one way or another. */
  const handle = async (
    event: InstallEvent,
    message: KafkaMessage,
    partition: number,
    log: Logger,
    heartbeat: () => Promise<void>,
  ) => {
    const handler = options.handlers[event.type] as EventHandler<InstallEventType> | undefined;
    if (!handler) return;
    const context = (attempt: number): HandlerContext => ({
      eventId: headerText(message.headers, "ce_id"),
      partition,
      offset: message.offset,
      headers: message.headers ?? {},
      attempt,
      logger: log,
      heartbeat,
    });
    let attempts = 0;
    try {
      await untilDone(
        async (attempt) => {
          attempts = attempt;
          const timer = handlerDuration.startTimer({ group, type: event.type });
          try {
            await handler(event, context(attempt));
            timer({ outcome: "ok" });
          } catch (error) {
            timer({ outcome: "error" });
            throw error;
          }
        },
        log,
        heartbeat,
      );
      return;
    } catch (error) {
      if (stopping.signal.aborted) throw error;
      handlerFailures.inc({ group, class: "deterministic" });
      log.error({ err: error, attempts }, "handler failed for good; ending the install");
      const hook = options.hooks?.onDeterministicFailure;
      if (hook) {
        try {
          await untilDone(() => hook(event, error, context(attempts)), log, heartbeat);
          return;
        } catch (hookError) {
          if (stopping.signal.aborted) throw hookError;
          log.error({ err: hookError }, "could not end the install; the message goes to the DLQ");
        }
      }
      await deadLetter(message, partition, "permanent-error", error, attempts, log, heartbeat);
    }
  };

  /**
   * The batch through `options.batchHandler`: undecodable messages dead-lettered first, the rest in
   * one call. False when the batch handler failed deterministically (the caller goes one by one).
   */
  const handleWhole = async (
    messages: KafkaMessage[],
    partition: number,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> => {
    const events: InstallEvent[] = [];
    for (const message of messages) {
      const event = await decodeOrDeadLetter(message, partition, options.logger, heartbeat);
      if (event) events.push(event);
    }
    const log = options.logger.child({ partition, batch: events.length });
    try {
      await untilDone(() => options.batchHandler!(events, { logger: log, heartbeat }), log, heartbeat);
      return true;
    } catch (error) {
      if (stopping.signal.aborted) throw error;
      log.warn({ err: error }, "the batch failed for good; handling its events one by one");
      return false;
    }
  };

  await consumer.run({
    autoCommit: true,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
    eachBatch: async ({ batch, resolveOffset, heartbeat: kafkaHeartbeat, isRunning, isStale }) => {
      const committable = new CommittableOffset(batch.messages.map((message) => message.offset));
      // The group is rebalancing (a member joined or left): take no more messages from this batch and
      // hand the error back to kafkajs once the lanes have finished, so this member rejoins at once
      // instead of after the whole batch (what is done is committed first).
      let rebalance: unknown;
      const heartbeat = async () => {
        try {
          await kafkaHeartbeat();
        } catch (error) {
          if (isRebalancing(error)) rebalance ??= error;
          else throw error;
        }
      };
      const beat = setInterval(() => void heartbeat().catch(() => {}), heartbeatEveryMs);
      const stale = () => !isRunning() || isStale() || stopping.signal.aborted || rebalance !== undefined;
      try {
        if (options.batchHandler && (await handleWhole(batch.messages, batch.partition, heartbeat))) {
          const last = batch.messages.at(-1);
          if (last) resolveOffset(last.offset);
          return;
        }
        await runLanes(lanesByKey(batch.messages), options.keysConcurrently ?? 16, async (lane) => {
          for (const message of lane) {
            if (stale()) return;
            const attributes = readCloudEventAttributes(message.headers);
            const log = options.logger.child({
              eventId: attributes.id,
              partition: batch.partition,
              offset: message.offset,
            });
            const event = await decodeOrDeadLetter(message, batch.partition, log, heartbeat);
            if (event) {
              const eventLog = log.child({
                installId: event.installId,
                tenantId: event.tenantId,
                type: event.type,
              });
              await handle(event, message, batch.partition, eventLog, heartbeat);
            }
            const upTo = committable.finish(message.offset);
            if (upTo !== undefined) resolveOffset(upTo);
          }
        });
      } catch (error) {
        // Stopping mid-wait: what is unfinished is not committed and comes again after a restart.
        if (!stopping.signal.aborted) throw error;
      } finally {
        clearInterval(beat);
      }
      if (rebalance !== undefined) throw rebalance;
    },
  });

  return {
    consumer,
    health: () => ({ ...health }),
    async stop() {
      stopping.abort(new Error("consumer stopping"));
      await consumer.disconnect();
      await dlqProducer.disconnect();
    },
  };
}

/** The Confluent wire format: magic byte 0, a 4-byte schema id, then (for us) JSON. */
function payloadOf(value: Buffer | null): Record<string, unknown> | undefined {
  if (!value || value.length < 5) return undefined;
  try {
    const parsed: unknown = JSON.parse(value.subarray(value[0] === 0 ? 5 : 0).toString("utf8"));
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const text = (value: unknown) => (typeof value === "string" && value.length > 0 ? value : undefined);

/** What can be read of an undecodable record: headers first, then the payload if it is JSON at all. */
export function readUndecodable(message: KafkaMessage, error: string): UndecodableRecord {
  const payload = payloadOf(message.value);
  return {
    type: headerText(message.headers, "ce_type") ?? text(payload?.type),
    installId: headerText(message.headers, "ce_subject") ?? text(payload?.installId),
    tenantId: text(message.key?.toString("utf8")) ?? text(payload?.tenantId),
    packageId: text(payload?.packageId),
    version: text(payload?.version),
    error,
  };
}
