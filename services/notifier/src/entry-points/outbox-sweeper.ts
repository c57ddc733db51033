import type { DeliveryDeps } from "../use-cases/delivery-deps.ts";
import { retryDueMails } from "../use-cases/email-delivery.ts";

export interface OutboxSweeper {
  /** Runs one sweep now (tests and the timer both use it). */
  sweep(): Promise<void>;
  /** Stops the timer and waits for a sweep in progress to finish. */
  stop(): Promise<void>;
}

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
    await retryDueMails(deps, () => stopped);
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
