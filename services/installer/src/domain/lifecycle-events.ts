import type { InstallEvent } from "@installhub/shared";
import { ownedAfter } from "./installed-package.ts";
import type { ImportJournal } from "./journal.ts";
import { eventHeadOf, eventsOf, failureOf } from "./journal-outputs.ts";

/*
 * The events that follow from a journal of any lifecycle operation (docs/lifecycle.md). Like
 * `eventsOf`, each list only grows at its end as the journal advances and takes every value from the
 * journal, so projecting a journal again gives identical events (and ids).
 */

/**
 * An install's events (`eventsOf`) with what the lifecycle adds — the operation, the version it
 * replaced and, on success, every artifact the package now owns — or an uninstall's events. A journal
 * written before lifecycles (no `operation`) projects exactly what it always did.
 */
export function journalEvents(journal: ImportJournal): InstallEvent[] {
  if (journal.operation === "Uninstall") return uninstallEventsOf(journal);
  const events = eventsOf(journal);
  const operation = journal.operation;
  if (operation === undefined) return events;
  const fromVersion = journal.installedBefore?.state === "Installed" ? journal.installedBefore.version : null;
  const lifecycle = { operation, ...(fromVersion ? { fromVersion } : {}) };
  return events.map((event): InstallEvent => {
    switch (event.type) {
      case "ImportStarted":
      case "InstallFailed":
        return { ...event, ...lifecycle };
      case "InstallSucceeded":
        return {
          ...event,
          ...lifecycle,
          ...(event.dryRun ? {} : { artifacts: ownedAfter(journal), requestedBy: journal.requestedBy }),
        };
      default:
        return event;
    }
  });
}

/**
 * `UninstallStarted` (how many artifacts it removes, which it keeps), an `ArtifactRemoved` per removal
 * applied ("k of n artifacts removed"), then `UninstallSucceeded` or `UninstallFailed`.
 */
export function uninstallEventsOf(journal: ImportJournal): InstallEvent[] {
  const base = eventHeadOf(journal);
  const events: InstallEvent[] = [];
  const removals = (journal.steps ?? []).filter((step) => step.action === "Removed");
  const kept = (journal.steps ?? [])
    .filter((step) => step.action === "Kept")
    .map((step) => step.resultingKey);
  if (journal.steps) {
    events.push({
      type: "UninstallStarted",
      ...base,
      occurredAt: journal.startedAt,
      total: removals.length,
      kept,
    });
    removals.forEach((step, position) => {
      if (step.appliedAt === null) return;
      events.push({
        type: "ArtifactRemoved",
        ...base,
        occurredAt: step.appliedAt,
        key: step.key,
        resultingKey: step.resultingKey,
        index: position + 1,
        total: removals.length,
      });
    });
  }
  if (journal.outcome?.status === "Success") {
    events.push({
      type: "UninstallSucceeded",
      ...base,
      occurredAt: journal.outcome.completedAt,
      artifactsRemoved: removals.filter((step) => step.appliedAt !== null).length,
      kept,
      completedAt: journal.outcome.completedAt,
    });
  }
  const failed = failureOf(journal, "Uninstalling");
  if (failed) events.push({ type: "UninstallFailed", ...base, ...failed });
  return events;
}
