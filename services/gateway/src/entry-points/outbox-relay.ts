import { describeError, type EventPublisher, type InstallEvent, type Logger } from "@installhub/shared";
import type { OperationRequest } from "../data-access/install-outbox.ts";

/** What the relay needs of an outbox: the install outbox, or the cancellations (docs/lifecycle.md). */
export interface RelayedOutbox<E extends InstallEvent> {
  markPublished(ids: readonly string[]): Promise<void>;
  pending(before: Date, limit: number): Promise<E[]>;
}

export interface OutboxRelay<E extends InstallEvent = OperationRequest> {
  /** Publishes an accepted install's event as soon as possible; never throws, never waits. */
  enqueue(event: E): void;
  /** Finds accepted installs nobody published (this process's or a crashed one's) and queues them. */
  sweep(): Promise<void>;
  /** Events accepted by this process and not yet on the topic. */
  backlog(): number;
  /** Stops sweeping and waits (up to `graceMs`) for the queue to drain. */
  stop(graceMs?: number): Promise<void>;
}

export interface OutboxRelaySettings {
  /** How often the outbox is swept for entries nobody is publishing. */
  sweepIntervalMs: number;
  /**
   * How old an unpublished entry must be before the sweep takes it: longer than an accepting request
   * may take (ACCEPT_TIMEOUT_MS), so an insert that landed after its caller was told 503 is withdrawn
   * by its own request before any sweep could publish it.
   */
  graceMs: number;
  /** The longest wait between two tries while Kafka is away. */
  maxRetryDelayMs: number;
}

/**
 * The gateway's side of the transactional outbox (docs/design.md §8): accepted installs are recorded in
 * `install_outbox` first; this publishes their `InstallRequested`, batching whatever concurrent
 * requests queued meanwhile into one acks=all send, and marks them published in one update. While
 * Kafka is away it retries with capped backoff; a sweep also picks up entries whose gateway died
 * before publishing. A duplicate on the topic is harmless: every consumer is idempotent by installId.
 */
export function startOutboxRelay<E extends InstallEvent = OperationRequest>(deps: {
  publisher: EventPublisher;
  outbox: RelayedOutbox<E>;
  logger: Logger;
  settings: OutboxRelaySettings;
}): OutboxRelay<E> {
  const { settings, logger } = deps;
  // Keyed by installId, which is each outbox's _id: an install outbox holds one request per
  // operation, the cancellations one cancel per operation.
  const queued = new Map<string, E>();
  let flushing: Promise<void> | undefined;
  let retryDelayMs = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let failingSince: number | undefined;
  let stopped = false;

  const flush = async (): Promise<void> => {
    while (queued.size > 0) {
      const batch = [...queued.values()];
      try {
        await deps.publisher.publish(batch);
      } catch (error) {
        if (failingSince === undefined) {
          failingSince = Date.now();
          logger.warn(
            { err: error, waiting: batch.length },
            "Kafka does not take accepted installs; retrying",
          );
        }
        retryDelayMs = Math.min(settings.maxRetryDelayMs, Math.max(100, retryDelayMs * 2));
        if (!stopped) retryTimer = setTimeout(schedule, retryDelayMs);
        return;
      }
      for (const event of batch) queued.delete(event.installId);
      if (failingSince !== undefined) {
        logger.info({ afterMs: Date.now() - failingSince }, "Kafka takes accepted installs again");
        failingSince = undefined;
      }
      retryDelayMs = 0;
      await deps.outbox
        .markPublished(batch.map((event) => event.installId))
        // Not fatal: the sweep would publish them once more, which changes nothing.
        .catch((error: unknown) =>
          logger.warn({ err: describeError(error) }, "could not mark installs published"),
        );
    }
  };

  function schedule(): void {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    flushing ??= flush().finally(() => {
      flushing = undefined;
      // Events queued while the last send was in flight go out with the next one.
      if (queued.size > 0 && retryTimer === undefined && !stopped) schedule();
    });
  }

  const sweep = async () => {
    const pending = await deps.outbox.pending(new Date(Date.now() - settings.graceMs), 500);
    const fresh = pending.filter((event) => !queued.has(event.installId));
    if (fresh.length === 0) return;
    logger.info({ installs: fresh.length }, "publishing accepted installs nobody published");
    for (const event of fresh) queued.set(event.installId, event);
    if (retryTimer === undefined) schedule();
  };

  let sweepTimer: NodeJS.Timeout | undefined;
  const tick = () => {
    sweep()
      .catch((error: unknown) => logger.warn({ err: describeError(error) }, "outbox sweep failed; next time"))
      .finally(() => {
        if (!stopped) sweepTimer = setTimeout(tick, settings.sweepIntervalMs);
      });
  };
  sweepTimer = setTimeout(tick, settings.sweepIntervalMs);

  return {
    enqueue(event) {
      queued.set(event.installId, event);
      if (retryTimer === undefined) schedule();
    },
    sweep,
    backlog: () => queued.size,
    async stop(graceMs = 5_000) {
      stopped = true;
      clearTimeout(sweepTimer);
      const deadline = Date.now() + graceMs;
      while (queued.size > 0 && Date.now() < deadline) {
        if (retryTimer !== undefined || flushing === undefined) schedule();
        await flushing;
        if (queued.size > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      clearTimeout(retryTimer);
      await flushing;
      // Whatever is left stays in the outbox: the next gateway's sweep publishes it.
    },
  };
}
