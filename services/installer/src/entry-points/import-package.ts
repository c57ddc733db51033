import { setTimeout as sleep } from "node:timers/promises";
import {
  classifyFailure,
  DownloadError,
  describeError,
  type HandlerContext,
  type InstallEventOf,
  type Logger,
  PermanentError,
} from "@installhub/shared";
import { StoreConflictError } from "../data-access/tenant-artifacts.ts";
import { type PackageContents, readApprovedPackage } from "../domain/archive.ts";
import {
  appliedButUnrecorded,
  conflictFailure,
  type ImportFailure,
  type ImportJournal,
  type InstallRequest,
  newJournal,
  stepsToUndo,
  unfinished,
  withApplied,
  withFailure,
  withOutcome,
  withPublished,
  withUndone,
} from "../domain/journal.ts";
import { journalEvents } from "../domain/lifecycle-events.ts";
import { cancelledFailure } from "../domain/lifecycle-journal.ts";
import type { PlanStep } from "../domain/plan.ts";
import { auditEntriesOf, importRecordOf } from "../domain/projections.ts";
import { planInstall } from "../use-cases/plan-install.ts";
import type { InstallerDeps } from "./installer-deps.ts";

type VerifiedArchive = { contents: PackageContents } | { failure: ImportFailure };
/** Where the artifacts' text comes from (an uninstall writes none), or why it cannot be had. */
export type ArtifactSource =
  | { contents: Pick<PackageContents, "artifactContent"> }
  | { failure: ImportFailure };

/**
 * The import, for a PASS or WARN verdict: verify archive → plan → apply each artifact → record → emit.
 * Every step goes through the import journal, so running this again — after a crash, or for a
 * redelivered verdict — continues the same plan, or, once the import is finished, changes nothing.
 */
export async function importPackage(
  deps: InstallerDeps,
  verdict: InstallEventOf<"SecurityScanCompleted">,
  context: HandlerContext,
): Promise<void> {
  const request = await deps.requests.find(verdict.installId);
  if (!request) throw new PermanentError(`no InstallRequested was recorded for ${verdict.installId}`);
  let journal = await deps.journals.find(request.importId);
  if (!journal) {
    // Cancelled while it was queued or scanned: it ends here, before anything is downloaded or written.
    const cancel = await deps.cancellations.find(request.installId);
    if (cancel) {
      const failure = cancelledFailure(cancel, deps.now(), { stage: "SecurityScan" });
      journal = await deps.journals.create(
        newJournal(request, verdict.archiveSha256, failure.at, null, failure),
      );
    }
  }
  if (!journal || (!journal.failure && unfinished(journal))) {
    const resuming = journal !== null;
    const archive = await verifiedArchive(deps, request, verdict);
    journal ??= await deps.journals.create(await planOf(deps, request, verdict, archive));
    // A run that stopped (a crash, a rebalance) may have written artifacts it did not record yet.
    if (resuming) journal = await recordWhatWasApplied(deps, journal);
    if (!journal.failure && !journal.dryRun) {
      journal = await applyEachArtifact(deps, journal, archive);
    }
  }
  await finishImport(deps, journal, context.logger);
}

/**
 * Ends an import that cannot be carried out — the store refused a write, the data is invalid, a bug —
 * the way every failed import ends (DESIGN.md §8): the failure is recorded in the journal (one is
 * started if there was none), what was applied is rolled back, and `InstallFailed` with the stable
 * code `InternalError` reaches the caller, the status and the notification. When even the journal
 * cannot be written, the failure event is published directly, saying honestly that nothing was
 * rolled back.
 */
export async function failImport(
  deps: InstallerDeps,
  verdict: InstallEventOf<"SecurityScanCompleted">,
  error: unknown,
  logger: Logger,
): Promise<void> {
  const failure: ImportFailure = {
    error: "InternalError",
    message: `The import could not be carried out: ${describeError(error).slice(0, 500)}`,
    details: { reason: describeError(error).slice(0, 2000) },
    at: deps.now(),
  };
  const request = await deps.requests.find(verdict.installId).catch(deterministicAs(null));
  try {
    if (!request) throw new PermanentError("no request on record to keep a journal for");
    let journal =
      (await deps.journals.find(request.importId)) ??
      (await deps.journals.create(newJournal(request, verdict.archiveSha256, failure.at, null, failure)));
    journal = await recordWhatWasApplied(deps, journal);
    journal = await deps.journals.transition(journal, (current) => withFailure(current, failure));
    await finishImport(deps, journal, logger);
  } catch (journalError) {
    if (classifyFailure(journalError) === "transient") throw journalError;
    logger.error({ err: journalError }, "the journal cannot record the failure; publishing it directly");
    await deps.publisher.publish({
      type: "InstallFailed",
      installId: verdict.installId,
      tenantId: verdict.tenantId,
      packageId: verdict.packageId,
      version: verdict.version,
      occurredAt: failure.at,
      ...(request ? { importId: request.importId } : {}),
      stage: "Installing",
      error: failure.error,
      message: failure.message,
      rolledBack: false,
      details: failure.details,
    });
  }
}

/** A read that fails deterministically counts as "not there"; a transient failure is waited out. */
const deterministicAs =
  <T>(value: T) =>
  (error: unknown): T => {
    if (classifyFailure(error) === "transient") throw error;
    return value;
  };

/**
 * Rolls back a failed import, records its outcome and brings record, audit log and topic up to it. The
 * outcome is the commit point of a cancel: one accepted before it is recorded fails the import (rolled
 * back), one after it is too late.
 */
export async function finishImport(
  deps: InstallerDeps,
  started: ImportJournal,
  logger: Logger,
): Promise<void> {
  let journal = started;
  if (unfinished(journal)) {
    if (!journal.failure) journal = await failIfCancelled(deps, journal);
    if (journal.failure) journal = await rollBack(deps, journal);
    const status = journal.failure ? "Failed" : "Succeeded";
    journal = await deps.journals.transition(journal, (current) =>
      withOutcome(current, { status, completedAt: deps.now() }),
    );
    logger.info({ importId: journal._id, outcome: status }, "import finished");
  }
  await recordAndEmit(deps, journal);
}

/** Records the import's failure as cancelled if a cancel was accepted for it. */
async function failIfCancelled(deps: InstallerDeps, journal: ImportJournal): Promise<ImportJournal> {
  const cancel = await deps.cancellations.find(journal.installId);
  if (!cancel) return journal;
  return deps.journals.transition(journal, (current) =>
    withFailure(current, cancelledFailure(cancel, deps.now(), undefined)),
  );
}

/** Records steps a stopped run applied without recording them (one read of the tenant's versions). */
export async function recordWhatWasApplied(
  deps: InstallerDeps,
  journal: ImportJournal,
): Promise<ImportJournal> {
  const steps = (journal.steps ?? []).filter((step) => step.appliedAt === null);
  if (steps.length === 0) return journal;
  const versions = await deps.artifacts.versionsAt(
    journal.tenantId,
    steps.map((step) => step.resultingKey),
  );
  const applied = appliedButUnrecorded(journal, versions);
  return deps.journals.transition(journal, (current) => withApplied(current, applied, deps.now()));
}

/**
 * The archive on the CDN, if it is byte for byte the one the scanner passed, holds exactly the files
 * the verdict approved, and is a valid package. A verdict without an approved list comes from a
 * scanner older than the list: the files it read cannot be told apart from what the one reader reads
 * now, so it is not imported (`RescanRequired`; installing again scans again).
 */
async function verifiedArchive(
  deps: InstallerDeps,
  request: InstallRequest,
  verdict: InstallEventOf<"SecurityScanCompleted">,
): Promise<VerifiedArchive> {
  const fail = (error: string, message: string, details: Record<string, unknown>) => ({
    failure: { error, message, details, at: deps.now() },
  });
  if (!verdict.approvedFiles) {
    return fail(
      "RescanRequired",
      "The scan verdict does not list the files it approved (it predates that list); install again to rescan",
      { scannedSha256: verdict.archiveSha256 },
    );
  }
  let downloaded: Awaited<ReturnType<InstallerDeps["fetchArchive"]>>;
  try {
    downloaded = await deps.fetchArchive(request.archive.path);
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    return fail("ArchiveUnavailable", error.message, { reason: error.code });
  }
  if (downloaded.sha256 !== verdict.archiveSha256 || downloaded.sha256 !== request.archive.sha256) {
    return fail("ArchiveChanged", "The archive on the CDN is not the one that was scanned", {
      scannedSha256: verdict.archiveSha256,
      requestedSha256: request.archive.sha256,
      downloadedSha256: downloaded.sha256,
    });
  }
  const reading = await readApprovedPackage(
    downloaded.bytes,
    verdict.approvedFiles,
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
  verdict: InstallEventOf<"SecurityScanCompleted">,
  archive: VerifiedArchive,
): Promise<ImportJournal> {
  const startedAt = deps.now();
  if ("failure" in archive) {
    return newJournal(request, verdict.archiveSha256, startedAt, null, archive.failure);
  }
  return planInstall(deps, request, verdict.archiveSha256, archive.contents, startedAt);
}

/**
 * Writes each planned artifact in manifest order. The journal records what was applied, and the
 * events say so, every `progressIntervalMs` (a long import shows "k of n" as it goes) and at the end:
 * a short import costs one journal write for all its artifacts, not one per artifact. Nothing is lost
 * by recording late: every write carries the step's own versionId, so a run that stops before recording
 * is recognised by the next (`recordWhatWasApplied`) and a rollback undoes exactly what is there.
 * Between artifacts, every `cancelCheckIntervalMs`, it asks whether the operation was cancelled, and
 * if so stops there with the cancel as its failure (rolled back by `finishImport`). An uninstall's
 * journal runs through here too: its steps remove instead of write.
 */
export async function applyEachArtifact(
  deps: InstallerDeps,
  started: ImportJournal,
  archive: ArtifactSource,
): Promise<ImportJournal> {
  // Resuming after a crash, the archive may have changed or gone: what was applied is rolled back.
  if ("failure" in archive) return deps.journals.transition(started, (j) => withFailure(j, archive.failure));
  let journal = started;
  let unrecorded: number[] = [];
  let recordedAt = Date.now();
  const record = async (then?: (current: ImportJournal) => ImportJournal) => {
    const indexes = unrecorded;
    unrecorded = [];
    recordedAt = Date.now();
    const at = deps.now();
    journal = await deps.journals.transition(journal, (current) => {
      const applied = withApplied(current, indexes, at);
      return then ? then(applied) : applied;
    });
  };
  let askedAt: number | undefined;
  for (const step of (journal.steps ?? []).filter((candidate) => candidate.appliedAt === null)) {
    if (askedAt === undefined || Date.now() - askedAt >= deps.settings.cancelCheckIntervalMs) {
      askedAt = Date.now();
      const cancel = await deps.cancellations.find(journal.installId);
      if (cancel) {
        await record((current) => withFailure(current, cancelledFailure(cancel, deps.now(), undefined)));
        return journal;
      }
    }
    if (step.action === "Fail") {
      await record((current) => withFailure(current, conflictFailure(step, current.tenantId, deps.now())));
      return journal;
    }
    const failure = await writeArtifact(deps, journal, step, archive.contents);
    if (failure) {
      await record((current) => withFailure(current, failure));
      return journal;
    }
    unrecorded.push(step.index);
    if (deps.settings.throttleMs > 0) await sleep(deps.settings.throttleMs);
    if (Date.now() - recordedAt >= deps.settings.progressIntervalMs) {
      await record();
      journal = await recordAndEmit(deps, journal);
    }
  }
  if (unrecorded.length > 0) await record();
  return journal;
}

/**
 * Writes one planned artifact. A tenant that changed under the plan is this import's failure
 * (`StoreConflict`); any other error is thrown for the consumer to classify: a store that is away is
 * waited for and the journal resumes at this step, one that refuses the document ends the import.
 */
async function writeArtifact(
  deps: InstallerDeps,
  journal: ImportJournal,
  step: PlanStep,
  contents: Pick<PackageContents, "artifactContent">,
): Promise<ImportFailure | undefined> {
  try {
    if (step.action === "Removed") {
      await deps.artifacts.remove(journal.tenantId, step);
      return undefined;
    }
    await deps.artifacts.apply(step, {
      tenantId: journal.tenantId,
      content: contents.artifactContent.get(step.key)!,
      source: { packageId: journal.packageId, version: journal.version, importId: journal._id },
      updatedAt: deps.now(),
    });
    return undefined;
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
    const details = { artifactKey: step.key, index: step.index };
    return { error: "StoreConflict", message: error.message, details, at: deps.now() };
  }
}

/**
 * Undoes every applied writing step of a failed import, last first, and records them undone. Each undo
 * only touches the step's own version: one undone before a crash, or replaced by another writer
 * since, is left as it is.
 */
async function rollBack(deps: InstallerDeps, failed: ImportJournal): Promise<ImportJournal> {
  const undone: number[] = [];
  for (const step of stepsToUndo(failed)) {
    await deps.artifacts.undo(failed.tenantId, step);
    undone.push(step.index);
  }
  const at = deps.now();
  return deps.journals.transition(failed, (current) => withUndone(current, undone, at));
}

/**
 * Brings the import record, the audit log and the topic up to the journal. Records first, so an event
 * never points at a record that is not there yet; events the journal counts as published are not sent
 * again (a crash between sending and counting sends those once more, identical).
 */
async function recordAndEmit(deps: InstallerDeps, journal: ImportJournal): Promise<ImportJournal> {
  // What is installed changes with the outcome, before the tenant's next operation is planned on it.
  if (journal.operation && journal.outcome?.status === "Succeeded" && !journal.dryRun) {
    await deps.installed.recordOutcome(journal);
  }
  await deps.records.save(importRecordOf(journal), auditEntriesOf(journal));
  const events = journalEvents(journal);
  if (events.length <= journal.eventsPublished) return journal;
  await deps.publisher.publish(events.slice(journal.eventsPublished));
  return deps.journals.transition(journal, (current) => withPublished(current, events.length));
}
