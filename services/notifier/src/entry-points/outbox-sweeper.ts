import { findRetryableMailIds } from "../data-access/email-outbox.ts";
import type { DeliveryDeps } from "../use-cases/delivery-deps.ts";
import { deliverOutboxMail } from "../use-cases/email-delivery.ts";
import { reportDeliveries } from "../use-cases/report-deliveries.ts";

export interface OutboxSweeper {
  /** Runs one sweep now (tests and the timer both use it). */
  sweep(): Promise<void>;
  /** Stops the timer and waits for a sweep in progress to finish. */
  stop(): Promise<void>;
}

const mailsPerSweep = 50;

/**
 * Every interval, gives failed mails whose retry is due another round, and takes over mails whose
 * sender died while sending (their claim expired): a recovering SMTP server still gets every mail.
 * Several instances may sweep at once; the outbox claim lets only one of them send a given mail.
 */
export function startOutboxSweeper(deps: DeliveryDeps, intervalMs: number): OutboxSweeper {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const sweep = async () => {
    const ids = await findRetryableMailIds(deps.db, deps.now(), mailsPerSweep);
    for (const id of ids) {
      if (stopped) return;
      await reportDeliveries(deps, [
        await deliverOutboxMail(deps, id, { first: false, logger: deps.logger }),
      ]);
    }
  };
  const tick = () => {
    running = sweep()
      .catch((error: unknown) =>
        deps.logger.error({ err: error }, "outbox sweep failed; retrying next interval"),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);

  return {
    sweep,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
