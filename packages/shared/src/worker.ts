import { type BaseConfig, consumerGroupId } from "./config.ts";
import {
  type BatchHandler,
  type ConsumerRetry,
  consumerRetryOf,
  type EventHandlers,
  type FailureHooks,
  type RunningConsumer,
  runConsumer,
} from "./kafka/consumer.ts";
import { deadLetterCollection, deadLetterLedger } from "./kafka/dead-letters.ts";
import type { Logger } from "./logger.ts";
import { ensureIndexes, type IndexPlan } from "./mongo/client.ts";
import { opsRoutes, serveOps } from "./ops/health.ts";
import { connectPlatform, type Platform } from "./platform.ts";

export interface WorkerOptions {
  /** Service name: `installhub/<name>` is the events' `ce_source`; the consumer group is `consumerGroupId(config, name)`. */
  name: string;
  config: BaseConfig;
  indexes?: IndexPlan;
  /**
   * Builds the handlers, and the hooks that end an install the service cannot advance, once the
   * platform is connected (they need its publisher and database).
   */
  handlers: (
    platform: Platform,
  ) =>
    | EventHandlers
    | { handlers: EventHandlers; hooks: FailureHooks }
    | Promise<EventHandlers | { handlers: EventHandlers; hooks: FailureHooks }>;
  groupId?: string;
  retry?: ConsumerRetry;
  logger?: Logger;
  sessionTimeoutMs?: number;
}

export interface RunningWorker {
  platform: Platform;
  consumer: RunningConsumer;
  /** Port of /healthz, /readyz and /metrics, when OPS_PORT is set. */
  opsPort: number | undefined;
  /** Stops consuming (in-flight handler finishes and commits), then closes every connection. */
  stop(): Promise<void>;
}

/**
 * Starts an event-driven service: connects Kafka, the registry and MongoDB, ensures its indexes,
 * runs its consumer group and serves its ops endpoints.
 *
 * @example
 * const worker = await startWorker({ name: "scanner", config, indexes, handlers: (p) => scannerHandlers(p) });
 * stopOnSignals(worker.platform.logger, worker.stop);
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const platform = await connectPlatform(options.name, options.config, options.logger);
  await ensureIndexes(platform.mongo.db, { ...options.indexes, [deadLetterCollection]: [] });
  const built = await options.handlers(platform);
  const { handlers, hooks } = "handlers" in built ? built : { handlers: built, hooks: undefined };
  const consumer = await startServiceConsumer(platform, options.config, {
    groupName: options.name,
    handlers: handlers as EventHandlers,
    ...(hooks ? { hooks } : {}),
    ...(options.groupId ? { groupId: options.groupId } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
  });
  platform.readinessChecks.consumer = consumerReadiness(consumer);
  const ops =
    options.config.OPS_PORT === undefined
      ? undefined
      : await serveOps(opsRoutes(platform.readinessChecks), options.config.OPS_PORT);
  platform.logger.info({ opsPort: ops?.port }, `${options.name} started`);
  return {
    platform,
    consumer,
    opsPort: ops?.port,
    async stop() {
      await consumer.stop();
      await ops?.close();
      await platform.close();
    },
  };
}

/** One consumer group of a service on the install topic. */
export interface ServiceConsumer {
  /** The group is `consumerGroupId(config, groupName)` unless `groupId` is given. */
  groupName: string;
  groupId?: string;
  handlers: EventHandlers;
  batchHandler?: BatchHandler;
  hooks?: FailureHooks;
  /** Defaults to the config's (`consumerRetryOf`). */
  retry?: ConsumerRetry;
  /** Defaults to the config's `KAFKA_SESSION_TIMEOUT_MS`. */
  sessionTimeoutMs?: number;
  /** Tags the consumer's log lines (`component`); the platform's logger as it is when absent. */
  component?: string;
}

/**
 * Runs one of a service's consumer groups on the install topic with the platform's Kafka, codec and
 * dead-letter ledger and the config's topics, retry policy and session timeout: the one way every
 * service consumes (workers through `startWorker`, the gateway's two projectors directly).
 *
 * @example
 * const projector = await startServiceConsumer(platform, config, { groupName: "gateway-projector", handlers });
 */
export function startServiceConsumer(
  platform: Platform,
  config: BaseConfig,
  consumer: ServiceConsumer,
): Promise<RunningConsumer> {
  return runConsumer({
    kafka: platform.kafka,
    codec: platform.codec,
    topic: config.INSTALL_EVENTS_TOPIC,
    dlqTopic: config.DLQ_TOPIC,
    groupId: consumer.groupId ?? consumerGroupId(config, consumer.groupName),
    handlers: consumer.handlers,
    ...(consumer.batchHandler ? { batchHandler: consumer.batchHandler } : {}),
    ...(consumer.hooks ? { hooks: consumer.hooks } : {}),
    deadLetters: deadLetterLedger(platform.mongo.db),
    logger: consumer.component ? platform.logger.child({ component: consumer.component }) : platform.logger,
    retry: consumer.retry ?? consumerRetryOf(config),
    sessionTimeoutMs: consumer.sessionTimeoutMs ?? config.KAFKA_SESSION_TIMEOUT_MS,
  });
}

/** Not ready while a handler waits for a dependency to come back (the message is held meanwhile). */
export function consumerReadiness(consumer: RunningConsumer): () => Promise<void> {
  return async () => {
    const { waiting, reason } = consumer.health();
    if (waiting > 0) throw new Error(`${waiting} message(s) waiting for a dependency: ${reason ?? "?"}`);
  };
}
