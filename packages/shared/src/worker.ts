import type { ISocketFactory } from "kafkajs";
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
import { type HttpApp, opsRoutes, serveHttp } from "./ops/health.ts";
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

/** What a service runs once its platform is connected: `startService` starts, watches and stops it. */
export interface ServiceParts {
  /** The service's consumer groups, by the name `/readyz` reports each under. */
  consumers: Record<string, RunningConsumer>;
  /**
   * The HTTP app the service answers on (the gateway's API, which carries the ops routes too). Absent:
   * the ops routes (/healthz, /readyz, /metrics) on OPS_PORT, when that is set.
   */
  http?: { app: HttpApp; port: number; hostname?: string };
  /** Stops what runs beside the consumers (the gateway's relays), after HTTP and before the consumers. */
  stopFirst?: () => Promise<void>;
}

export interface ServiceOptions<P extends ServiceParts> {
  /** Service name: `installhub/<name>` is the events' `ce_source`. */
  name: string;
  config: BaseConfig;
  indexes?: IndexPlan;
  logger?: Logger;
  /** Replaces how Kafka connections are opened (tests cut a service off from the broker with it). */
  socketFactory?: ISocketFactory;
  /** Builds and starts the service's parts on the connected platform. */
  start(platform: Platform): Promise<P>;
}

export interface RunningService<P extends ServiceParts> {
  platform: Platform;
  parts: P;
  /** The bound port of `parts.http`, or of the ops routes; undefined when neither is served. */
  port: number | undefined;
  /** Stops answering HTTP, then `stopFirst`, then every consumer (in-flight work finishes and commits), then disconnects. */
  stop(): Promise<void>;
}

/**
 * The one way InstallHub starts a service: connect Kafka, the registry and MongoDB, ensure the
 * indexes, start the service's parts, report each consumer in /readyz, serve HTTP; and stop in the
 * reverse order. Workers start through `startWorker`, the gateway directly.
 *
 * @example
 * const service = await startService({ name: "gateway", config, indexes, start: async (platform) => ({ consumers, http }) });
 */
export async function startService<P extends ServiceParts>(
  options: ServiceOptions<P>,
): Promise<RunningService<P>> {
  const platform = await connectPlatform(options.name, options.config, options.logger, {
    ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
  });
  await ensureIndexes(platform.mongo.db, { ...options.indexes, [deadLetterCollection]: [] });
  const parts = await options.start(platform);
  for (const [name, consumer] of Object.entries(parts.consumers)) {
    platform.readinessChecks[name] = consumerReadiness(consumer);
  }
  const { OPS_PORT } = options.config;
  const server = parts.http
    ? await serveHttp(parts.http.app, parts.http.port, parts.http.hostname)
    : OPS_PORT === undefined
      ? undefined
      : await serveHttp(opsRoutes(platform.readinessChecks), OPS_PORT);
  platform.logger.info({ port: server?.port }, `${options.name} started`);
  return {
    platform,
    parts,
    port: server?.port,
    async stop() {
      await server?.close();
      await parts.stopFirst?.();
      await Promise.all(Object.values(parts.consumers).map((consumer) => consumer.stop()));
      await platform.close();
    },
  };
}

/**
 * Starts an event-driven service (`startService`) whose one consumer group runs `handlers`, and serves
 * its ops endpoints on OPS_PORT.
 *
 * @example
 * const worker = await startWorker({ name: "scanner", config, indexes, handlers: (p) => scannerHandlers(p) });
 * stopOnSignals(worker.platform.logger, worker.stop);
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const service = await startService({
    name: options.name,
    config: options.config,
    ...(options.indexes ? { indexes: options.indexes } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    start: async (platform) => {
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
      return { consumers: { consumer } };
    },
  });
  return {
    platform: service.platform,
    consumer: service.parts.consumers.consumer,
    opsPort: service.port,
    stop: service.stop,
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
