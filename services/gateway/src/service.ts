import {
  admissionQueue,
  type InstallEvent,
  type Logger,
  type Platform,
  type RunningConsumer,
  startService,
} from "@installhub/shared";
import type { ISocketFactory } from "kafkajs";
import { createTokenVerifier } from "./auth/verifier.ts";
import type { GatewayConfig } from "./config.ts";
import { cachedFor } from "./data-access/cached.ts";
import { cancellationIndexes, cancellationOutbox } from "./data-access/cancellation-outbox.ts";
import { catalogReads } from "./data-access/catalog-reads.ts";
import { idempotencyIndexes, idempotencyStore } from "./data-access/idempotency-store.ts";
import { importReads } from "./data-access/import-reads.ts";
import { installOutbox, installOutboxIndexes } from "./data-access/install-outbox.ts";
import { installStatusIndexes, installStatusStore } from "./data-access/install-status-store.ts";
import { lifecycleIndexes, lifecycleProjectionStore } from "./data-access/lifecycle-projection.ts";
import { notificationStore } from "./data-access/notification-store.ts";
import { estimateSample } from "./domain/estimate.ts";
import { idempotencyWindowMs } from "./domain/idempotency.ts";
import type { InstallAccepted } from "./domain/install-request.ts";
import { createApp } from "./entry-points/http/app.ts";
import { startLifecycleProjector } from "./entry-points/lifecycle-projector.ts";
import { type OutboxRelay, type RelayedOutbox, startOutboxRelay } from "./entry-points/outbox-relay.ts";
import { startProjector } from "./entry-points/projector.ts";

export interface GatewayOptions {
  logger?: Logger;
  /** Replaces how Kafka connections are opened (tests cut the gateway off from the broker with it). */
  socketFactory?: ISocketFactory;
}

export interface RunningGateway {
  url: string;
  port: number;
  platform: Platform;
  projector: RunningConsumer;
  /** Builds the installed packages and their history (docs/lifecycle.md). */
  lifecycleProjector: RunningConsumer;
  relay: OutboxRelay;
  /** Stops answering, stops the projector (in-flight event finishes and commits), disconnects. */
  stop(): Promise<void>;
}

/**
 * Starts the gateway: the HTTP API on GATEWAY_HOST:GATEWAY_PORT and the status projector.
 *
 * @example
 * const gateway = await startGateway(parseConfig(gatewayConfigSchema, { ...env, GATEWAY_PORT: "0" }));
 * await fetch(`${gateway.url}/healthz`);
 */
export async function startGateway(
  config: GatewayConfig,
  options: GatewayOptions = {},
): Promise<RunningGateway> {
  const service = await startService({
    name: "gateway",
    config,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
    indexes: {
      ...installStatusIndexes(),
      ...idempotencyIndexes,
      ...installOutboxIndexes,
      ...cancellationIndexes,
      ...lifecycleIndexes(),
    },
    start: (platform) => startGatewayParts(config, platform),
  });
  const { platform, parts, port } = service;
  const url = `http://${config.GATEWAY_HOST}:${port}`;
  platform.logger.info({ url }, "gateway listening");
  return {
    url,
    port: port!,
    platform,
    projector: parts.consumers.projector,
    lifecycleProjector: parts.consumers.lifecycleProjector,
    relay: parts.relay,
    stop: service.stop,
  };
}

/** The gateway's parts on a connected platform: stores, relays, the HTTP app and both projectors. */
async function startGatewayParts(config: GatewayConfig, platform: Platform) {
  const { db } = platform.mongo;
  const statuses = installStatusStore(db);
  // The estimate looks at the last completed installs (estimateSample); a sorted scan per request is
  // too costly on a large install_status (and on FerretDB), and a 30-second-old history estimates
  // just as well.
  const recentCompletions = cachedFor(30_000, () => statuses.recentlySucceeded(estimateSample));
  const outbox = installOutbox(db);
  const relaySettings = {
    sweepIntervalMs: config.OUTBOX_SWEEP_INTERVAL_MS,
    graceMs: config.OUTBOX_RELAY_GRACE_MS,
    maxRetryDelayMs: 5_000,
  };
  const relayOf = <E extends InstallEvent>(outbox: RelayedOutbox<E>, component: string) =>
    startOutboxRelay({
      publisher: platform.publisher,
      outbox,
      logger: platform.logger.child({ component }),
      settings: relaySettings,
    });
  const relay = relayOf(outbox, "outbox");
  const cancellations = cancellationOutbox(db);
  const cancelRelay = relayOf(cancellations, "cancel-outbox");
  const lifecycle = lifecycleProjectionStore(db);
  const idempotency = idempotencyStore<InstallAccepted>(db);
  const pruning = pruneEvery(60_000, async () => {
    await idempotency.prune(new Date(Date.now() - idempotencyWindowMs));
    // Published a day ago: the projection has had them for long.
    await outbox.prune(new Date(Date.now() - 24 * 60 * 60 * 1000));
    // The scanner and the installer read a cancel until its operation ends, which may wait for a dependency.
    await cancellations.prune(new Date(Date.now() - 30 * 24 * 60 * 60 * 1000));
  });
  const app = createApp({
    config,
    settings: {
      acceptTimeoutMs: config.ACCEPT_TIMEOUT_MS,
      maxInFlightPerTenant: config.MAX_INSTALLS_IN_FLIGHT_PER_TENANT,
      estimateSecondsPerArtifact: config.ESTIMATE_SECONDS_PER_ARTIFACT,
    },
    logger: platform.logger,
    verifyToken: await createTokenVerifier(config, platform.logger),
    statuses,
    recentCompletions,
    idempotency,
    outbox,
    relay,
    cancellations,
    cancelRelay,
    lifecycle,
    lifecycleIdempotency: idempotencyStore<unknown>(db),
    admit: admissionQueue(config.ACCEPT_CONCURRENCY),
    catalog: catalogReads(db),
    imports: importReads(db),
    notifications: notificationStore(db),
    readinessChecks: platform.readinessChecks,
    now: () => new Date(),
  });
  const projector = await startProjector({ platform, config, store: statuses });
  const lifecycleProjector = await startLifecycleProjector({ platform, config, store: lifecycle });
  return {
    consumers: { projector, lifecycleProjector },
    http: { app, port: config.GATEWAY_PORT, hostname: config.GATEWAY_HOST },
    relay,
    async stopFirst() {
      clearInterval(pruning);
      // Accepted installs go out before the publisher closes; any left are the next gateway's.
      await Promise.all([relay.stop(), cancelRelay.stop()]);
    },
  };
}

/** Runs `work` every `intervalMs` in the background; failures are retried next time. */
function pruneEvery(intervalMs: number, work: () => Promise<unknown>): NodeJS.Timeout {
  const timer = setInterval(() => void work().catch(() => {}), intervalMs);
  timer.unref();
  return timer;
}
