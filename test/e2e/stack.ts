import { createLogger, parseConfig, type RunningWorker } from "@installhub/shared";
import { configEnvironment, type SmtpSink, startSmtpSink } from "@installhub/shared/testing";
import { startTestGateway, type TestGateway } from "../../services/gateway/test/harness.ts";
import { installerConfigSchema } from "../../services/installer/src/config.ts";
import { startInstaller } from "../../services/installer/src/service.ts";
import { notifierConfigSchema } from "../../services/notifier/src/config.ts";
import { startNotifier } from "../../services/notifier/src/service.ts";
import { scannerConfigSchema } from "../../services/scanner/src/config.ts";
import { startScanner } from "../../services/scanner/src/service.ts";

export interface Stack extends TestGateway {
  smtp: SmtpSink;
  workers: RunningWorker[];
}

/**
 * The whole system in one test process: the gateway (with the example marketplace and its dev CDN),
 * the scanner, the installer and the notifier, on their own topics and database, and an SMTP sink.
 */
export async function startStack(prefix: string, env: Record<string, string> = {}): Promise<Stack> {
  const smtp = await startSmtpSink();
  const base = await startTestGateway(prefix, { silent: true });
  const settings = {
    ...process.env,
    ...configEnvironment(base.config),
    PUBLICHUB_CDN_URL: base.marketplace.cdn.url,
    SMTP_URL: smtp.url,
    PUBLIC_BASE_URL: base.gateway.url,
    ...env,
  };
  const silent = createLogger("stack", "silent");
  const workers = await Promise.all([
    startScanner(parseConfig(scannerConfigSchema, settings), silent),
    startInstaller(parseConfig(installerConfigSchema, settings), silent),
    startNotifier(parseConfig(notifierConfigSchema, settings), silent),
  ]);
  return {
    ...base,
    smtp,
    workers,
    async close() {
      await Promise.all(workers.map((worker) => worker.stop()));
      await base.close();
      await smtp.close();
    },
  };
}
