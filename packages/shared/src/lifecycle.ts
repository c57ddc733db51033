import type { Logger } from "./logger.ts";

/**
 * Runs `stop` once on SIGTERM or SIGINT (stop taking work, finish in-flight work, commit, disconnect),
 * then exits 0; a second signal or a stop that takes longer than the grace period exits 1.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>, graceMs = 30_000): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal; exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "stopping");
    const timer = setTimeout(() => {
      logger.error({ graceMs }, "stop took too long; exiting");
      process.exit(1);
    }, graceMs);
    timer.unref();
    stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}
