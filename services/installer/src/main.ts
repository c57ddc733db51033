import { loadConfig, stopOnSignals } from "@installhub/shared";
import { installerConfigSchema } from "./config.ts";
import { startInstaller } from "./service.ts";

const worker = await startInstaller(loadConfig(installerConfigSchema));
stopOnSignals(worker.platform.logger, worker.stop);
