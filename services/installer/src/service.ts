import { type Logger, type RunningWorker, startWorker } from "@installhub/shared";
import type { InstallerConfig } from "./config.ts";

/** Starts the installer: its consumer group on the install events and its ops endpoints. */
export function startInstaller(config: InstallerConfig, logger?: Logger): Promise<RunningWorker> {
  return startWorker({ name: "installer", config, logger, handlers: () => ({}) });
}
