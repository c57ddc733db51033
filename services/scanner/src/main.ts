import { loadConfig, stopOnSignals } from "@installhub/shared";
import { scannerConfigSchema } from "./config.ts";
import { startScanner } from "./service.ts";

const worker = await startScanner(loadConfig(scannerConfigSchema));
stopOnSignals(worker.platform.logger, worker.stop);
