import type { ArchiveLimits, CancellationReads, DownloadedArchive, EventPublisher } from "@installhub/shared";
import type { ImportJournalStore } from "../data-access/import-journal.ts";
import type { ImportRecordStore } from "../data-access/import-records.ts";
import type { InstallRequestStore } from "../data-access/install-requests.ts";
import type { InstalledPackageStore } from "../data-access/installed-package-store.ts";
import type { TenantArtifactStore } from "../data-access/tenant-artifacts.ts";
import type { WaitingUninstallStore } from "../data-access/waiting-uninstalls.ts";

/** What the installer's handlers work with; `service.ts` builds it from the platform and config. */
export interface InstallerDeps {
  requests: InstallRequestStore;
  journals: ImportJournalStore;
  artifacts: TenantArtifactStore;
  records: ImportRecordStore;
  /** What each tenant has installed, by the installer's own record (plans upgrades and uninstalls). */
  installed: InstalledPackageStore;
  /** Uninstalls waiting for their tenant's earlier installs to end. */
  waitingUninstalls: WaitingUninstallStore;
  /** Cancels the gateway accepted, asked at each safe point of an operation. */
  cancellations: CancellationReads;
  publisher: EventPublisher;
  /** Downloads an archive path from the configured CDN. */
  fetchArchive(path: string): Promise<DownloadedArchive>;
  settings: {
    /** For the one archive reader; the scanner already applied its own limits to these very bytes. */
    archiveLimits: ArchiveLimits;
    throttleMs: number;
    /** How often a running import records its progress and says so on the topic ("k of n"). */
    progressIntervalMs: number;
    /** How often a running import or uninstall asks whether it was cancelled (also once before it ends). */
    cancelCheckIntervalMs: number;
  };
  /** The clock every timestamp the installer writes comes from. */
  now(): Date;
}
