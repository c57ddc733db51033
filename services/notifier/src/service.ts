import { type Logger, type RunningWorker, startWorker } from "@installhub/shared";
import type { NotifierConfig } from "./config.ts";

/** Starts the notifier: its consumer group on the install events and its ops endpoints. */
export function startNotifier(config: NotifierConfig, logger?: Logger): Promise<RunningWorker> {
  return startWorker({ name: "notifier", config, logger, handlers: () => ({}) });
}
