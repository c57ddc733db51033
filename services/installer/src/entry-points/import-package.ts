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
  conflictFailure,
  type ImportFailure,
  type ImportJournal,
  type InstallRequest,
  newJournal,
  nextStep,
  stepsToUndo,
} from "../domain/journal.ts";
import { type PlanStep, planImport } from "../domain/plan.ts";
import { auditEntriesOf, eventsOf, importRecordOf } from "../domain/projections.ts";
import type { InstallerDeps } from "./deps.ts";

type VerifiedArchive = { contents: PackageContents } | { failure: ImportFailure };

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
  if (!journal || (!journal.failure && !journal.outcome)) {
    const archive = await verifiedArchive(deps, request, verdict);
    journal ??= await deps.journals.create(await planOf(deps, request, verdict, archive));
    journal = await recordAndEmit(deps, journal);
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
    if (!journal.failure && !journal.outcome)
      journal = await deps.journals.recordFailure(journal._id, failure);
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

/** Rolls back a failed import, records its outcome and brings record, audit log and topic up to it. */
async function finishImport(deps: InstallerDeps, started: ImportJournal, logger: Logger): Promise<void> {
  let journal = started;
  if (!journal.outcome) {
    if (journal.failure) journal = await rollBack(deps, journal);
    const status = journal.failure ? "Failed" : "Succeeded";
    journal = await deps.journals.finish(journal._id, { status, completedAt: deps.now() });
    logger.info({ importId: journal._id, outcome: status }, "import finished");
  }
  await recordAndEmit(deps, journal);
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
  const artifacts = archive.contents.manifest.artifacts;
  const tenant = await deps.artifacts.stateFor(
    request.tenantId,
    artifacts.map((artifact) => artifact.key),
  );
  const steps = planImport({ importId: request.importId, artifacts, conflict: request.conflict, ...tenant });
  const failing = request.dryRun ? steps.find((step) => step.action === "Fail") : undefined;
  const failure = failing ? conflictFailure(failing, request.tenantId, startedAt) : null;
  return newJournal(request, verdict.archiveSha256, startedAt, steps, failure);
}

async function applyEachArtifact(
  deps: InstallerDeps,
  started: ImportJournal,
  archive: VerifiedArchive,
): Promise<ImportJournal> {
  // Resuming after a crash, the archive may have changed or gone: what was applied is rolled back.
  if ("failure" in archive) return deps.journals.recordFailure(started._id, archive.failure);
  let journal = started;
  for (let step = nextStep(journal); step; step = nextStep(journal)) {
    if (step.action === "Fail") {
      return deps.journals.recordFailure(journal._id, conflictFailure(step, journal.tenantId, deps.now()));
    }
    const failure = await writeArtifact(deps, journal, step, archive.contents);
    if (failure) return deps.journals.recordFailure(journal._id, failure);
    journal = await deps.journals.markApplied(journal._id, step.index, deps.now());
    journal = await recordAndEmit(deps, journal);
    if (deps.settings.throttleMs > 0) await sleep(deps.settings.throttleMs);
  }
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
  contents: PackageContents,
): Promise<ImportFailure | undefined> {
  try {
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

async function rollBack(deps: InstallerDeps, failed: ImportJournal): Promise<ImportJournal> {
  let journal = failed;
  for (const step of stepsToUndo(journal)) {
    await deps.artifacts.undo(journal.tenantId, step);
    journal = await deps.journals.markUndone(journal._id, step.index, deps.now());
  }
  return journal;
}

/**
 * Brings the import record, the audit log and the topic up to the journal. Records first, so an event
 * never points at a record that is not there yet; events the journal counts as published are not sent
 * again (a crash between sending and counting sends those once more, identical).
 */
async function recordAndEmit(deps: InstallerDeps, journal: ImportJournal): Promise<ImportJournal> {
  await deps.records.save(importRecordOf(journal), auditEntriesOf(journal));
  const events = eventsOf(journal);
  if (events.length <= journal.eventsPublished) return journal;
  await deps.publisher.publish(events.slice(journal.eventsPublished));
  return deps.journals.markPublished(journal._id, events.length);
}
