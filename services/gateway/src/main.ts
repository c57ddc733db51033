import { loadConfig, stopOnSignals } from "@installhub/shared";
import { gatewayConfigSchema } from "./config.ts";
import { startGateway } from "./service.ts";

const gateway = await startGateway(loadConfig(gatewayConfigSchema));
stopOnSignals(gateway.platform.logger, gateway.stop);
