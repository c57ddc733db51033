import {
  cancellationReads,
  downloadFromCdn,
  type Logger,
  type RunningWorker,
  startWorker,
} from "@installhub/shared";
import type { InstallerConfig } from "./config.ts";
import { installerIndexes } from "./data-access/collections.ts";
import { importJournalStore } from "./data-access/import-journal.ts";
import { importRecordStore } from "./data-access/import-records.ts";
import { installRequestStore } from "./data-access/install-requests.ts";
import { installedPackageStore } from "./data-access/installed-package-store.ts";
import { tenantArtifactStore } from "./data-access/tenant-artifacts.ts";
import { waitingUninstallStore } from "./data-access/waiting-uninstalls.ts";
import { installerHandlers } from "./entry-points/handlers.ts";
import type { InstallerDeps } from "./use-cases/installer-deps.ts";

/**
 * Starts the installer: its consumer group (`<topic>.installer`) on the install events, and its ops
 * endpoints when OPS_PORT is set.
 *
 * @example
 * const worker = await startInstaller(loadConfig(installerConfigSchema));
 * stopOnSignals(worker.platform.logger, worker.stop);
 */
export function startInstaller(
  config: InstallerConfig,
  logger?: Logger,
  options: {
    /** Replaces parts of what the handlers work with; tests use it to make a store fail on purpose. */
    adapt?: (deps: InstallerDeps) => InstallerDeps;
  } = {},
): Promise<RunningWorker> {
  return startWorker({
    name: "installer",
    config,
    logger,
    indexes: installerIndexes,
    handlers: ({ mongo: { db }, publisher }) =>
      installerHandlers(
        (options.adapt ?? ((deps) => deps))({
          requests: installRequestStore(db),
          journals: importJournalStore(db),
          artifacts: tenantArtifactStore(db),
          records: importRecordStore(db),
          installed: installedPackageStore(db),
          waitingUninstalls: waitingUninstallStore(db),
          cancellations: cancellationReads(db),
          publisher,
          fetchArchive: (path) => downloadFromCdn(config, path),
          settings: {
            // The scanner applied its limits to these very bytes (the digests match); these only bound the
            // installer's memory. Deflate cannot pass ~1032:1, so the ratio never refuses what the byte cap allows.
            archiveLimits: {
              maxEntries: 1_000_000,
              maxUnpackedBytes: config.DOWNLOAD_MAX_BYTES * 8,
              maxCompressionRatio: 1_100,
            },
            throttleMs: config.INSTALL_ARTIFACT_THROTTLE_MS,
            progressIntervalMs: config.INSTALL_PROGRESS_INTERVAL_MS,
            cancelCheckIntervalMs: config.INSTALL_CANCEL_CHECK_INTERVAL_MS,
          },
          now: () => new Date(),
        }),
      ),
  });
}
