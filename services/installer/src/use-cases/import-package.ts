import {
  classifyFailure,
  DownloadError,
  type HandlerContext,
  type InstallEventOf,
  type Logger,
  PermanentError,
} from "@installhub/shared";
import { type PackageContents, readApprovedPackage } from "../domain/archive.ts";
import {
  type ImportFailure,
  type ImportJournal,
  type InstallRequest,
  newJournal,
  unfinished,
} from "../domain/journal.ts";
import { cancelledFailure } from "../domain/lifecycle-journal.ts";
import type { InstallerDeps } from "./installer-deps.ts";
import { planInstall } from "./plan-install.ts";
import {
  applyEachArtifact,
  endWithFailure,
  finishImport,
  internalFailure,
  recordWhatWasApplied,
} from "./run-journal.ts";

type VerifiedArchive = { contents: PackageContents } | { failure: ImportFailure };

/**
 * The import, for a PASS or WARN verdict: verify archive → plan → apply each artifact → record → emit.
 * Every step goes through the import journal, so running this again — after a crash, or for a
 * redelivered verdict — continues the same plan, or, once the import is finished, changes nothing.
 */
export async function importPackage(
  deps: InstallerDeps,
  scan: InstallEventOf<"SecurityScanCompleted">,
  context: HandlerContext,
): Promise<void> {
  const request = await deps.requests.find(scan.installId);
  if (!request) throw new PermanentError(`no InstallRequested was recorded for ${scan.installId}`);
  let journal = await deps.journals.find(request.importId);
  if (!journal) {
    // Cancelled while it was queued or scanned: it ends here, before anything is downloaded or written.
    const cancel = await deps.cancellations.find(request.installId);
    if (cancel) {
      const failure = cancelledFailure(cancel, deps.now().toISOString(), { stage: "SecurityScan" });
      journal = await deps.journals.create(
        newJournal(request, scan.archiveSha256, failure.at, null, failure),
      );
    }
  }
  if (!journal || (!journal.failure && unfinished(journal))) {
    const resuming = journal !== null;
    const archive = await verifiedArchive(deps, request, scan);
    journal ??= await deps.journals.create(await planOf(deps, request, scan, archive));
    // A run that stopped (a crash, a rebalance) may have written artifacts it did not record yet.
    if (resuming) journal = await recordWhatWasApplied(deps, journal);
    if (!journal.failure && !journal.dryRun) {
      journal = await applyEachArtifact(deps, journal, archive);
    }
  }
  await finishImport(deps, journal, context.logger);
}

/**
 * Ends an import that cannot be carried out (`endWithFailure`): the failure is recorded in the
 * journal (one is started if there was none), what was applied is rolled back, and `InstallFailed`
 * with the stable code `InternalError` reaches the caller, the status and the notification.
 */
export async function failImport(
  deps: InstallerDeps,
  scan: InstallEventOf<"SecurityScanCompleted">,
  error: unknown,
  logger: Logger,
): Promise<void> {
  const failure = internalFailure("import", error, deps.now().toISOString());
  const request = await deps.requests.find(scan.installId).catch(deterministicAs(null));
  const journalOf = async () => {
    if (!request) throw new PermanentError("no request on record to keep a journal for");
    return (
      (await deps.journals.find(request.importId)) ??
      (await deps.journals.create(newJournal(request, scan.archiveSha256, failure.at, null, failure)))
    );
  };
  const { installId, tenantId, packageId, version } = scan;
  const head = {
    type: "InstallFailed" as const,
    ...{ installId, tenantId, packageId, version, stage: "Installing" as const },
    ...(request ? { importId: request.importId } : {}),
  };
  await endWithFailure(deps, failure, journalOf, head, logger);
}

/** A read that fails deterministically counts as "not there"; a transient failure is waited out. */
const deterministicAs =
  <T>(value: T) =>
  (error: unknown): T => {
    if (classifyFailure(error) === "transient") throw error;
    return value;
  };

/**
 * The archive on the CDN, if it is byte for byte the one the scanner passed, holds exactly the files
 * the verdict approved, and is a valid package. A verdict without an approved list comes from a
 * scanner older than the list: the files it read cannot be told apart from what the one reader reads
 * now, so it is not imported (`RescanRequired`; installing again scans again).
 */
async function verifiedArchive(
  deps: InstallerDeps,
  request: InstallRequest,
  scan: InstallEventOf<"SecurityScanCompleted">,
): Promise<VerifiedArchive> {
  const fail = (error: string, message: string, details: Record<string, unknown>) => ({
    failure: { error, message, details, at: deps.now().toISOString() },
  });
  if (!scan.approvedFiles) {
    return fail(
      "RescanRequired",
      "The scan verdict does not list the files it approved (it predates that list); install again to rescan",
      { scannedSha256: scan.archiveSha256 },
    );
  }
  let downloaded: Awaited<ReturnType<InstallerDeps["fetchArchive"]>>;
  try {
    downloaded = await deps.fetchArchive(request.archive.path);
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    return fail("ArchiveUnavailable", error.message, { reason: error.code });
  }
  if (downloaded.sha256 !== scan.archiveSha256 || downloaded.sha256 !== request.archive.sha256) {
    return fail("ArchiveChanged", "The archive on the CDN is not the one that was scanned", {
      scannedSha256: scan.archiveSha256,
      requestedSha256: request.archive.sha256,
      downloadedSha256: downloaded.sha256,
    });
  }
  const reading = await readApprovedPackage(
    downloaded.bytes,
    scan.approvedFiles,
    request,
    deps.settings.archiveLimits,
  );
  if ("failure" in reading)
    return fail(reading.failure.error, reading.failure.message, reading.failure.details);
  return { contents: reading.contents };
}

async function planOf(
  deps: InstallerDeps,
  request: InstallRequest,
  scan: InstallEventOf<"SecurityScanCompleted">,
  archive: VerifiedArchive,
): Promise<ImportJournal> {
  const startedAt = deps.now().toISOString();
  if ("failure" in archive) {
    return newJournal(request, scan.archiveSha256, startedAt, null, archive.failure);
  }
  return planInstall(deps, request, scan.archiveSha256, archive.contents, startedAt);
}
