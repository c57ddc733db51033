import type {
  ArtifactAction,
  AuditEntryDocument,
  ImportRecordDocument,
  InstallEvent,
  InstallEventOf,
  InstallStage,
} from "@installhub/shared";
import { countsOf, type ImportJournal, type InstallRequest, writesTenant } from "./journal.ts";
import type { PlanStep } from "./plan.ts";

/*
 * The events, audit entries and import record that follow from a journal. Each list only ever grows
 * at its end as the journal advances, and every timestamp comes from the journal, so projecting the
 * same journal again (after a crash, on a redelivered verdict) gives identical values. (The gateway's projectors are something else:
 * they fold the events into read models.)
 */

export function eventsOf(journal: ImportJournal): InstallEvent[] {
  const base = eventHeadOf(journal);
  const events: InstallEvent[] = [];
  const steps = journal.steps;
  if (steps) {
    events.push({
      type: "ImportStarted",
      ...base,
      occurredAt: journal.startedAt,
      total: steps.length,
      dryRun: journal.dryRun,
    });
    for (const step of appliedSteps(journal)) {
      events.push({
        type: "ArtifactInstalled",
        ...base,
        occurredAt: step.appliedAt!,
        key: step.key,
        resultingKey: step.resultingKey,
        action: step.action,
        index: step.index,
        total: steps.length,
      });
    }
  }
  if (journal.outcome?.status === "Success") {
    events.push({
      type: "InstallSucceeded",
      ...base,
      occurredAt: journal.outcome.completedAt,
      ...countsOf(journal),
      completedAt: journal.outcome.completedAt,
      dryRun: journal.dryRun,
      ...(journal.dryRun ? { plan: steps?.filter(isArtifactStep).map(plannedArtifact) ?? [] } : {}),
    });
  }
  const failed = failureOf(journal, "Installing");
  if (failed) events.push({ type: "InstallFailed", ...base, ...failed });
  return events;
}

/** What every event of a journal's operation says first: which install, tenant, package, import. */
export function eventHeadOf(journal: ImportJournal) {
  const { installId, tenantId, packageId, version, _id: importId } = journal;
  return { installId, tenantId, packageId, version, importId };
}

/**
 * What a failed operation's event says (`InstallFailed`, `UninstallFailed`), from its journal; undefined
 * until the journal records a failed outcome. `stage` is where it failed, `defaultStage` when the
 * failure does not say.
 */
export function failureOf(journal: ImportJournal, defaultStage: InstallStage) {
  if (journal.outcome?.status !== "Failed" || !journal.failure) return undefined;
  const { failure } = journal;
  return {
    occurredAt: journal.outcome.completedAt,
    stage: failure.stage ?? defaultStage,
    error: failure.error,
    message: failure.message,
    // The installer always leaves the tenant as it found it when an operation fails; only one
    // cancelled before it started says it had nothing to roll back.
    rolledBack: failure.rolledBack ?? true,
    details: failure.details,
  };
}

export function auditEntriesOf(journal: ImportJournal): AuditEntryDocument[] {
  const entries: Omit<AuditEntryDocument, "_id" | "importId" | "tenantId" | "seq" | "actor">[] = [];
  const none = {
    artifactKey: null,
    resultingKey: null,
    artifactAction: null,
    beforeVersionId: null,
    afterVersionId: null,
  };
  if (journal.steps) {
    entries.push({
      ...none,
      at: journal.startedAt,
      action: "ImportStarted",
      message: `${whatIsDone(journal)}: ${journal.steps.length} artifacts`,
    });
  }
  if (journal.dryRun) {
    for (const step of (journal.steps ?? []).filter(isArtifactStep)) {
      entries.push({
        ...artifactFields(step),
        at: journal.startedAt,
        action: "ArtifactPlanned",
        afterVersionId: null,
        message: null,
      });
    }
  }
  for (const step of appliedSteps(journal)) {
    entries.push({ ...artifactFields(step), at: step.appliedAt!, action: "ArtifactApplied", message: null });
  }
  const undone = (journal.steps ?? [])
    .filter(isArtifactStep)
    .filter((step) => step.undoneAt !== null)
    .sort((a, b) => b.index - a.index);
  for (const step of undone) {
    entries.push({
      ...artifactFields(step),
      at: step.undoneAt!,
      action: "RolledBack",
      beforeVersionId: step.afterVersionId,
      afterVersionId: step.before?.versionId ?? null,
      message: step.before ? "previous version restored" : "removed",
    });
  }
  if (journal.outcome) {
    const succeeded = journal.outcome.status === "Success";
    entries.push({
      ...none,
      at: journal.outcome.completedAt,
      action: succeeded ? "ImportSucceeded" : "ImportFailed",
      message: succeeded ? null : `${journal.failure?.error}: ${journal.failure?.message}`,
    });
  }
  return entries.map((entry, seq) => ({
    _id: `${journal._id}:${seq}`,
    importId: journal._id,
    tenantId: journal.tenantId,
    seq,
    actor: journal.requestedBy,
    ...entry,
  }));
}

export function importRecordOf(journal: ImportJournal): ImportRecordDocument {
  const counts = journal.failure ? { artifactsInstalled: 0, conflictsResolved: 0 } : countsOf(journal);
  const listed = journal.dryRun ? (journal.steps ?? []).filter(isArtifactStep) : appliedSteps(journal);
  return {
    _id: journal._id,
    installId: journal.installId,
    tenantId: journal.tenantId,
    packageId: journal.packageId,
    version: journal.version,
    requestedBy: journal.requestedBy,
    dryRun: journal.dryRun,
    status: journal.outcome?.status ?? "InProgress",
    startedAt: journal.startedAt,
    completedAt: journal.outcome?.completedAt ?? null,
    ...counts,
    rolledBack: journal.outcome?.status === "Failed" && (journal.failure?.rolledBack ?? true),
    error: journal.failure ? { code: journal.failure.error, message: journal.failure.message } : null,
    ...(journal.operation ? { operation: journal.operation } : {}),
    ...(journal.operation && journal.installedBefore?.state === "Installed" && journal.installedBefore.version
      ? { fromVersion: journal.installedBefore.version }
      : {}),
    artifacts: listed.map((step) => {
      const fields = artifactFields(step);
      return {
        key: step.key,
        action: step.action,
        resultingKey: step.resultingKey,
        beforeVersionId: fields.beforeVersionId,
        afterVersionId: journal.dryRun ? null : fields.afterVersionId,
      };
    }),
  };
}

/** The import record and audit entry of an install that failed before the installer saw it (scan, download). */
export function earlierFailureOf(
  request: InstallRequest,
  failure: InstallEventOf<"InstallFailed">,
): { record: ImportRecordDocument; audit: AuditEntryDocument } {
  const error = { code: failure.error, message: failure.message };
  return {
    record: {
      _id: request.importId,
      installId: request.installId,
      tenantId: request.tenantId,
      packageId: request.packageId,
      version: request.version,
      requestedBy: request.requestedBy,
      dryRun: request.dryRun,
      status: "Failed",
      startedAt: request.occurredAt,
      completedAt: failure.occurredAt,
      artifactsInstalled: 0,
      conflictsResolved: 0,
      rolledBack: failure.rolledBack,
      error,
      artifacts: [],
    },
    audit: {
      _id: `${request.importId}:0`,
      importId: request.importId,
      tenantId: request.tenantId,
      seq: 0,
      at: failure.occurredAt,
      actor: request.requestedBy,
      action: "ImportFailed",
      artifactKey: null,
      resultingKey: null,
      artifactAction: null,
      beforeVersionId: null,
      afterVersionId: null,
      message: `${failure.stage} failed: ${failure.error}: ${failure.message}`,
    },
  };
}

type ArtifactStep = PlanStep & { action: ArtifactAction };

function isArtifactStep(step: PlanStep): step is ArtifactStep {
  return step.action !== "Fail";
}

/** Steps applied so far, in manifest order; a dry run applies none. A `Fail` step is never applied. */
function appliedSteps(journal: ImportJournal): ArtifactStep[] {
  if (journal.dryRun) return [];
  return (journal.steps ?? []).filter(isArtifactStep).filter((step) => step.appliedAt !== null);
}

function plannedArtifact(step: ArtifactStep) {
  return { key: step.key, action: step.action, resultingKey: step.resultingKey };
}

function artifactFields(step: ArtifactStep) {
  const beforeVersionId = step.before?.versionId ?? null;
  return {
    artifactKey: step.key,
    resultingKey: step.resultingKey,
    artifactAction: step.action,
    beforeVersionId,
    // A step that changes nothing (Skipped, Unchanged, Kept) leaves the version it found; a removal none.
    afterVersionId: writesTenant(step) ? step.afterVersionId : beforeVersionId,
  };
}

/** "Import of p@v", "Dry run of p@v", "Upgrade of p from 2.1.0 to 3.0.0", "Uninstall of p@v". */
function whatIsDone(journal: ImportJournal): string {
  const target = `${journal.packageId}@${journal.version}`;
  if (journal.operation === "Uninstall") return `Uninstall of ${target}`;
  const from = journal.installedBefore?.state === "Installed" ? journal.installedBefore.version : null;
  if (!journal.operation || journal.operation === "Install" || !from)
    return `${journal.dryRun ? "Dry run" : "Import"} of ${target}`;
  const change = `${journal.operation.toLowerCase()} of ${journal.packageId} from ${from} to ${journal.version}`;
  return journal.dryRun ? `Dry run of the ${change}` : `${change[0]!.toUpperCase()}${change.slice(1)}`;
}
