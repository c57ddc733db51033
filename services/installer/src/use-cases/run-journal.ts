import { setTimeout as sleep } from "node:timers/promises";
import { classifyFailure, describeError, type InstallEventOf, type Logger } from "@installhub/shared";
import { StoreConflictError } from "../data-access/tenant-artifacts.ts";
import type { PackageContents } from "../domain/archive.ts";
import {
  appliedButUnrecorded,
  conflictFailure,
  type ImportFailure,
  type ImportJournal,
  stepsToUndo,
  unfinished,
  withApplied,
  withFailure,
  withOutcome,
  withPublished,
  withUndone,
} from "../domain/journal.ts";
import { auditEntriesOf, importRecordOf } from "../domain/journal-outputs.ts";
import { journalEvents } from "../domain/lifecycle-events.ts";
import { cancelledFailure } from "../domain/lifecycle-journal.ts";
import type { PlanStep } from "../domain/plan.ts";
import type { InstallerDeps } from "./installer-deps.ts";

/*
 * The machinery an import and an uninstall both run on: each is an import journal (domain/journal.ts)
 * whose steps write, remove or keep artifacts. Apply each step → finish (roll back a failure, record
 * the outcome) → bring the import record, the audit log and the topic up to the journal. Every step
 * is recorded before it counts, so a crash or a redelivery resumes where the journal says.
 */

/** Where the artifacts' text comes from (an uninstall writes none), or why it cannot be had. */
export type ArtifactSource =
  | { contents: Pick<PackageContents, "artifactContent"> }
  | { failure: ImportFailure };

/** The failure event of an operation, less what its failure says (those fields come from it). */
type FailureEventHead =
  | Omit<InstallEventOf<"InstallFailed">, "occurredAt" | "error" | "message" | "rolledBack" | "details">
  | Omit<InstallEventOf<"UninstallFailed">, "occurredAt" | "error" | "message" | "rolledBack" | "details">;

/**
 * `InternalError`: an operation that could not be carried out (a store refusing a write, invalid
 * data, a bug). The message carries the error's first 500 characters, `details.reason` its first 2000.
 */
export function internalFailure(
  operation: "import" | "uninstall",
  error: unknown,
  at: string,
): ImportFailure {
  const reason = describeError(error);
  return {
    error: "InternalError",
    message: `The ${operation} could not be carried out: ${reason.slice(0, 500)}`,
    details: { reason: reason.slice(0, 2000) },
    at,
  };
}

/**
 * Ends an operation that cannot be carried out the way every failed operation ends (docs/design.md §8):
 * the failure is recorded in its journal (`journalOf` finds or starts it), what was applied is rolled
 * back, and its failure event reaches the caller, the status and the notification. When even the
 * journal cannot be written, the failure event (`head` plus the failure) is published directly,
 * saying honestly that nothing was rolled back.
 *
 * @throws what `journalOf` or the store throws when it is transient: the consumer waits it out and
 *   calls again.
 */
export async function endWithFailure(
  deps: InstallerDeps,
  failure: ImportFailure,
  journalOf: () => Promise<ImportJournal>,
  head: FailureEventHead,
  logger: Logger,
): Promise<void> {
  try {
    let journal = await journalOf();
    journal = await recordWhatWasApplied(deps, journal);
    journal = await deps.journals.transition(journal, (current) => withFailure(current, failure));
    await finishImport(deps, journal, logger);
  } catch (journalError) {
    if (classifyFailure(journalError) === "transient") throw journalError;
    logger.error({ err: journalError }, "the journal cannot record the failure; publishing it directly");
    const { error, message, details, at } = failure;
    await deps.publisher.publish({ ...head, occurredAt: at, error, message, rolledBack: false, details });
  }
}

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
    const status = journal.failure ? "Failed" : "Success";
    journal = await deps.journals.transition(journal, (current) =>
      withOutcome(current, { status, completedAt: deps.now().toISOString() }),
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
    withFailure(current, cancelledFailure(cancel, deps.now().toISOString(), undefined)),
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
  return deps.journals.transition(journal, (current) =>
    withApplied(current, applied, deps.now().toISOString()),
  );
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
    const at = deps.now().toISOString();
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
        await record((current) =>
          withFailure(current, cancelledFailure(cancel, deps.now().toISOString(), undefined)),
        );
        return journal;
      }
    }
    if (step.action === "Fail") {
      await record((current) =>
        withFailure(current, conflictFailure(step, current.tenantId, deps.now().toISOString())),
      );
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
      updatedAt: deps.now().toISOString(),
    });
    return undefined;
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
    const details = { artifactKey: step.key, index: step.index };
    return { error: "StoreConflict", message: error.message, details, at: deps.now().toISOString() };
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
  const at = deps.now().toISOString();
  return deps.journals.transition(failed, (current) => withUndone(current, undone, at));
}

/**
 * Brings the import record, the audit log and the topic up to the journal. Records first, so an event
 * never points at a record that is not there yet; events the journal counts as published are not sent
 * again (a crash between sending and counting sends those once more, identical).
 */
async function recordAndEmit(deps: InstallerDeps, journal: ImportJournal): Promise<ImportJournal> {
  // What is installed changes with the outcome, before the tenant's next operation is planned on it.
  if (journal.operation && journal.outcome?.status === "Success" && !journal.dryRun) {
    await deps.installed.recordOutcome(journal);
  }
  await deps.records.save(importRecordOf(journal), auditEntriesOf(journal));
  const events = journalEvents(journal);
  if (events.length <= journal.eventsPublished) return journal;
  await deps.publisher.publish(events.slice(journal.eventsPublished));
  return deps.journals.transition(journal, (current) => withPublished(current, events.length));
}
