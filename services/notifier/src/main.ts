import { loadConfig, stopOnSignals } from "@installhub/shared";
import { notifierConfigSchema } from "./config.ts";
import { startNotifier } from "./service.ts";

const worker = await startNotifier(loadConfig(notifierConfigSchema));
stopOnSignals(worker.platform.logger, worker.stop);
