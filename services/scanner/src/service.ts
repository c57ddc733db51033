import { type Logger, type RunningWorker, startWorker } from "@installhub/shared";
import type { ScannerConfig } from "./config.ts";

/** Starts the scanner: its consumer group on the install events and its ops endpoints. */
export function startScanner(config: ScannerConfig, logger?: Logger): Promise<RunningWorker> {
  return startWorker({ name: "scanner", config, logger, handlers: () => ({}) });
}
