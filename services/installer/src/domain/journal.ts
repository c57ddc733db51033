import type { InstallEventOf, InstallStage, LifecycleOperation } from "@installhub/shared";
import type { InstalledPackage } from "./installed-package.ts";
import type { PlanStep } from "./plan.ts";

/** Why an import fails: an error code, a message for the caller and details (which artifact, …). */
export interface ImportFailure {
  error: string;
  message: string;
  details: Record<string, unknown>;
  at: string;
  /** The stage the failure is reported at; absent: the operation's own (Installing, Uninstalling). */
  stage?: InstallStage;
  /**
   * Whether the failure event says the tenant was rolled back; absent: true (the installer always leaves
   * the tenant as it found it). False only for an operation cancelled before it changed anything.
   */
  rolledBack?: boolean;
}

/**
 * The import journal (`import_journal`, _id = importId): the plan computed once, a marker per applied
 * (and per rolled-back) step, the failure if any and the terminal outcome. Everything the installer
 * writes or emits about an import — tenant artifacts, import record, audit log, events — follows from
 * this document, so a restart continues from it and a replay of a finished import changes nothing.
 */
export interface ImportJournal {
  _id: string;
  installId: string;
  tenantId: string;
  packageId: string;
  version: string;
  dryRun: boolean;
  requestedBy: { userId: string; email: string };
  archiveSha256: string;
  startedAt: string;
  /** null when the import failed before there was a plan (the archive changed or is invalid). */
  steps: PlanStep[] | null;
  failure: ImportFailure | null;
  outcome: { status: "Success" | "Failed"; completedAt: string } | null;
  /** How many of the events that follow from the journal are on the topic already. */
  eventsPublished: number;
  /** Compare-and-set token of the journal's store: every change writes revision + 1. */
  revision?: number;
  /**
   * What this import is, given what the tenant had installed (docs/lifecycle.md). Absent on journals
   * written before lifecycles, which are installs and project exactly the events they always did.
   */
  operation?: LifecycleOperation;
  /** The installer's record of the package when the import was planned; null when it was not installed. */
  installedBefore?: InstalledPackage | null;
}

export type InstallRequest = InstallEventOf<"InstallRequested">;

/** What a journal takes from the request that starts its operation (an install's or an uninstall's). */
export type JournalSubject = Pick<
  InstallRequest,
  "importId" | "installId" | "tenantId" | "packageId" | "version" | "dryRun" | "requestedBy"
>;

/** A journal for a request: planned, or failed before any plan (`steps` null), or both (a dry run's Fail). */
export function newJournal(
  request: JournalSubject,
  archiveSha256: string,
  startedAt: string,
  steps: PlanStep[] | null,
  failure: ImportFailure | null,
): ImportJournal {
  return {
    _id: request.importId,
    installId: request.installId,
    tenantId: request.tenantId,
    packageId: request.packageId,
    version: request.version,
    dryRun: request.dryRun,
    requestedBy: request.requestedBy,
    archiveSha256,
    startedAt,
    steps,
    failure,
    outcome: null,
    eventsPublished: 0,
  };
}

/** The step changes the tenant: it writes the package's artifact, or (upgrade, uninstall) removes one. */
export function writesTenant(step: PlanStep): boolean {
  return installsArtifact(step) || step.action === "Removed";
}

/** The step writes the package's artifact into the tenant: what `artifactsInstalled` counts. */
export function installsArtifact(step: PlanStep): boolean {
  return (
    step.action === "Created" ||
    step.action === "Overwritten" ||
    step.action === "Renamed" ||
    step.action === "Updated"
  );
}

/** The next step to apply, in manifest order; undefined when all are applied. */
export function nextStep(journal: ImportJournal): PlanStep | undefined {
  return journal.steps?.find((step) => step.appliedAt === null);
}

/** Applied steps that changed the tenant and are not undone yet, last applied first. */
export function stepsToUndo(journal: ImportJournal): PlanStep[] {
  return (journal.steps ?? [])
    .filter((step) => step.appliedAt !== null && step.undoneAt === null && writesTenant(step))
    .sort((a, b) => b.index - a.index);
}

/** A dry run's failing conflict is found while planning; a real import meets it when it gets there. */
export function conflictFailure(step: PlanStep, tenantId: string, at: string): ImportFailure {
  return {
    error: "ConflictFailed",
    message: `Artifact "${step.key}" already exists in tenant ${tenantId} and its conflict strategy is Fail`,
    details: { artifactKey: step.key, index: step.index },
    at,
  };
}

/**
 * `artifactsInstalled`: artifacts written (Created, Overwritten, Renamed, and an upgrade's Updated; not
 * Skipped, Unchanged, Removed or Kept).
 * `conflictsResolved`: conflicts handled by Skip, Overwrite or Rename. A dry run counts its plan.
 */
export function countsOf(journal: ImportJournal): { artifactsInstalled: number; conflictsResolved: number } {
  const steps = (journal.steps ?? []).filter((step) => journal.dryRun || step.appliedAt !== null);
  return {
    artifactsInstalled: steps.filter(installsArtifact).length,
    conflictsResolved: steps.filter((step) => step.conflict && step.action !== "Fail").length,
  };
}

/*
 * The journal's transitions. Each is pure and sets what it sets once: a marker already there keeps
 * its first value (so events derived from it are identical however often a transition runs, e.g. by
 * two installers during a rebalance), and a transition that changes nothing returns the journal itself.
 */

const withSteps = (journal: ImportJournal, change: (step: PlanStep) => PlanStep): ImportJournal => {
  if (!journal.steps) return journal;
  const steps = journal.steps.map(change);
  return steps.every((step, i) => step === journal.steps![i]) ? journal : { ...journal, steps };
};

/** Marks steps applied at `at` (1-based indexes). */
export function withApplied(journal: ImportJournal, indexes: readonly number[], at: string): ImportJournal {
  const applied = new Set(indexes);
  return withSteps(journal, (step) =>
    applied.has(step.index) && step.appliedAt === null ? { ...step, appliedAt: at } : step,
  );
}

/** Marks steps rolled back at `at`. */
export function withUndone(journal: ImportJournal, indexes: readonly number[], at: string): ImportJournal {
  const undone = new Set(indexes);
  return withSteps(journal, (step) =>
    undone.has(step.index) && step.undoneAt === null ? { ...step, undoneAt: at } : step,
  );
}

/** Records why the import fails; the first failure is the one that counts. */
export function withFailure(journal: ImportJournal, failure: ImportFailure): ImportJournal {
  return journal.failure ? journal : { ...journal, failure };
}

/** Records the terminal outcome; the first one is final. */
export function withOutcome(
  journal: ImportJournal,
  outcome: NonNullable<ImportJournal["outcome"]>,
): ImportJournal {
  return journal.outcome ? journal : { ...journal, outcome };
}

/** Records that the first `count` derived events are on the topic; the count never goes down. */
export function withPublished(journal: ImportJournal, count: number): ImportJournal {
  return count > journal.eventsPublished ? { ...journal, eventsPublished: count } : journal;
}

/** An import that has not reached its outcome yet: running, or left behind by a crash. */
export function unfinished(journal: ImportJournal): boolean {
  return journal.outcome === null;
}

/**
 * Steps not recorded as applied that a run which stopped before recording them did apply: a writing
 * step whose artifact the tenant holds at exactly the version the step writes (versionIds are per
 * import and step, so no other writer can have produced that version), or a removal whose artifact is
 * gone.
 *
 * @param currentVersions the tenant's versionId at each resulting key (absent: no artifact there)
 */
export function appliedButUnrecorded(
  journal: ImportJournal,
  currentVersions: ReadonlyMap<string, string>,
): number[] {
  return (journal.steps ?? [])
    .filter((step) => {
      if (step.appliedAt !== null || !writesTenant(step)) return false;
      if (step.action === "Removed") return !currentVersions.has(step.resultingKey);
      return step.afterVersionId !== null && currentVersions.get(step.resultingKey) === step.afterVersionId;
    })
    .map((step) => step.index);
}
