import {
  type Logger,
  notificationIndexes,
  type Platform,
  type RunningWorker,
  startWorker,
} from "@installhub/shared";
import type { NotifierConfig } from "./config.ts";
import { emailOutboxIndexes } from "./data-access/email-outbox.ts";
import { installEventHandlers } from "./entry-points/handlers.ts";
import { type OutboxSweeper, startOutboxSweeper } from "./entry-points/outbox-sweeper.ts";
import { createSmtpSender } from "./smtp/smtp-sender.ts";
import type { DeliveryDeps } from "./use-cases/delivery-deps.ts";

export interface RunningNotifier extends RunningWorker {
  sweeper: OutboxSweeper;
}

/**
 * Starts the notifier: its consumer group on the install events (in-app notification and e-mail for
 * every install outcome), the outbox sweeper that retries e-mail, and its ops endpoints.
 *
 * @example
 * const notifier = await startNotifier(loadConfig(notifierConfigSchema));
 * stopOnSignals(notifier.platform.logger, notifier.stop);
 */
export async function startNotifier(config: NotifierConfig, logger?: Logger): Promise<RunningNotifier> {
  const smtp = createSmtpSender(config);
  const depsOf = (platform: Platform): DeliveryDeps => ({
    config,
    db: platform.mongo.db,
    publisher: platform.publisher,
    smtp,
    logger: platform.logger,
    now: () => new Date(),
  });
  const worker = await startWorker({
    name: "notifier",
    config,
    logger,
    indexes: { ...notificationIndexes, ...emailOutboxIndexes },
    handlers: (platform) => installEventHandlers(depsOf(platform)),
  });
  const sweeper = startOutboxSweeper(depsOf(worker.platform), config.OUTBOX_SWEEP_INTERVAL_MS);
  return {
    ...worker,
    sweeper,
    async stop() {
      await sweeper.stop();
      await worker.stop();
      smtp.close();
    },
  };
}
