import { cancellationReads, type Logger, type RunningWorker, startWorker } from "@installhub/shared";
import { type ClamdClient, clamdClient } from "./clamav/clamd-client.ts";
import type { ScannerConfig } from "./config.ts";
import { scanVerdictIndexes, scanVerdictStore } from "./data-access/scan-verdicts.ts";
import { defaultContentRules } from "./domain/content-rules.ts";
import type { ScanPolicy } from "./domain/scan.ts";
import { scannerHandlers } from "./entry-points/handlers.ts";

/** The scan policy a configuration asks for: archive limits, content rules, allowed hosts, signatures. */
export function scanPolicyOf(config: ScannerConfig): ScanPolicy {
  return {
    limits: {
      maxEntries: config.SCAN_MAX_ENTRIES,
      maxUnpackedBytes: config.SCAN_MAX_UNPACKED_BYTES,
      maxCompressionRatio: config.SCAN_MAX_COMPRESSION_RATIO,
    },
    rules: defaultContentRules,
    allowedHosts: config.SCAN_ALLOWED_HOSTS,
    signatures: { acceptDigestOnly: config.SCAN_ACCEPT_DIGEST_ONLY_SIGNATURES },
  };
}

/**
 * Starts the scanner: consumes InstallRequested (group `<topic>.scanner`), downloads and scans each
 * package and publishes its verdict; serves /healthz, /readyz and /metrics when OPS_PORT is set.
 *
 * @example
 * const worker = await startScanner(loadConfig(scannerConfigSchema));
 * stopOnSignals(worker.platform.logger, worker.stop);
 */
export function startScanner(config: ScannerConfig, logger?: Logger): Promise<RunningWorker> {
  return startWorker({
    name: "scanner",
    config,
    logger,
    indexes: scanVerdictIndexes,
    handlers: (platform) => {
      const clamd: ClamdClient | undefined = config.CLAMD_URL
        ? clamdClient({ url: config.CLAMD_URL, timeoutMs: config.CLAMD_TIMEOUT_MS })
        : undefined;
      if (clamd) platform.readinessChecks.clamd = clamd.ping;
      const deps = {
        config,
        policy: scanPolicyOf(config),
        verdicts: scanVerdictStore(platform.mongo.db),
        publisher: platform.publisher,
        clamd,
        cancellations: cancellationReads(platform.mongo.db),
        now: () => new Date(),
      };
      return scannerHandlers(deps);
    },
  });
}
