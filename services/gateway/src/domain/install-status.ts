import { isDeepStrictEqual } from "node:util";
import type { InstallEvent, InstallStage, PlannedArtifact } from "@installhub/shared";

/** Where an install stands, as the status projection stores it (one document per install). */
export interface InstallState {
  installId: string;
  tenantId: string;
  packageId: string;
  version: string;
  /** When the install was requested: InstallRequested's `occurredAt`; until it is seen, the earliest seen. */
  requestedAt: string;
  requestSeen: boolean;
  requestedBy: { userId: string; email: string } | null;
  importId: string | null;
  artifactCount: number | null;
  status: "InProgress" | "Success" | "Failed";
  /** Furthest non-terminal stage any event reported (a failure's own stage is in `failure`). */
  stage: InstallStage;
  /** Artifacts installed so far (highest index seen) of the total. */
  progress: { installed: number; total: number } | null;
  success: {
    importId: string;
    artifactsInstalled: number;
    conflictsResolved: number;
    completedAt: string;
    dryRun: boolean;
    plan: PlannedArtifact[] | null;
    /** Only for an uninstall (docs/lifecycle.md): what it removed, and the tenant keys it kept. */
    uninstall?: { artifactsRemoved: number; kept: string[] };
  } | null;
  failure: { stage: InstallStage; error: string; message: string; rolledBack: boolean } | null;
  /** When the terminal event occurred (estimates use requestedAt → finishedAt). */
  finishedAt: string | null;
  /** Set (only) for an uninstall, from its first event on (docs/lifecycle.md). */
  kind?: "uninstall";
}

// An uninstall goes Queued → Uninstalling; one operation never reaches both Installing and Uninstalling.
const stageRank: Record<InstallStage, number> = {
  Queued: 0,
  Downloading: 1,
  SecurityScan: 2,
  Installing: 3,
  Uninstalling: 3,
};

const furthest = (a: InstallStage, b: InstallStage): InstallStage => (stageRank[b] > stageRank[a] ? b : a);
const earliest = (a: string, b: string): string => (Date.parse(b) < Date.parse(a) ? b : a);

function initialState(event: InstallEvent): InstallState {
  return {
    installId: event.installId,
    tenantId: event.tenantId,
    packageId: event.packageId,
    version: event.version,
    requestedAt: event.occurredAt,
    // The reducer records the request itself, this first event included.
    requestSeen: false,
    requestedBy: null,
    importId: null,
    artifactCount: null,
    status: "InProgress",
    stage: "Queued",
    progress: null,
    success: null,
    failure: null,
    finishedAt: null,
  };
}

/** The event that starts an operation: an install's request or an uninstall's. */
const isRequest = (event: InstallEvent) =>
  event.type === "InstallRequested" || event.type === "UninstallRequested";

function stageOf(event: InstallEvent): InstallStage | undefined {
  // InstallRequested and UninstallRequested leave the stage where it is: every operation starts Queued.
  switch (event.type) {
    case "UninstallStarted":
    case "ArtifactRemoved":
      return "Uninstalling";
    case "SecurityScanStarted":
      return event.phase === "Downloading" ? "Downloading" : "SecurityScan";
    case "SecurityScanCompleted":
      return "SecurityScan";
    case "ImportStarted":
    case "ArtifactInstalled":
      return "Installing";
    default:
      return undefined;
  }
}

function progressOf(event: InstallEvent): InstallState["progress"] {
  if (event.type === "ImportStarted" || event.type === "UninstallStarted")
    return { installed: 0, total: event.total };
  if (event.type === "ArtifactInstalled" || event.type === "ArtifactRemoved")
    return { installed: event.index, total: event.total };
  return null;
}

function mergeProgress(a: InstallState["progress"], b: InstallState["progress"]): InstallState["progress"] {
  if (!a || !b) return a ?? b;
  return { installed: Math.max(a.installed, b.installed), total: Math.max(a.total, b.total) };
}

/**
 * The status projection's reducer (docs/design.md §4): pure and monotonic. Every field only moves forward
 * (stage by rank, progress by count, requestedAt towards the request's time), the first terminal outcome is final, and
 * applying an event twice changes nothing, so any order or repetition of one install's events that
 * contains the same events ends in the same state. An uninstall (docs/lifecycle.md) is folded the same
 * way: Queued, Uninstalling with "k of n" removed, then Success or Failed.
 *
 * @example
 * const state = events.reduce<InstallState | undefined>(reduceInstallStatus, undefined);
 */
export function reduceInstallStatus(state: InstallState | undefined, event: InstallEvent): InstallState {
  const current = state ?? initialState(event);
  const next: InstallState = { ...current, progress: mergeProgress(current.progress, progressOf(event)) };
  const request = isRequest(event);
  if (request && !current.requestSeen) next.requestedAt = event.occurredAt;
  else if (request === current.requestSeen)
    next.requestedAt = earliest(current.requestedAt, event.occurredAt);
  next.requestSeen = current.requestSeen || request;
  const stage = stageOf(event);
  if (stage) next.stage = furthest(next.stage, stage);

  if (event.type === "InstallRequested") {
    next.requestedBy = event.requestedBy;
    next.importId = event.importId;
    next.artifactCount = event.artifactCount;
  }
  if (event.type === "UninstallRequested") {
    next.requestedBy = event.requestedBy;
    next.importId = event.importId;
  }
  if (event.type.startsWith("Uninstall") || event.type === "ArtifactRemoved") next.kind = "uninstall";
  if (next.status !== "InProgress") return next;
  if (event.type === "InstallSucceeded") {
    next.status = "Success";
    next.importId = event.importId;
    next.finishedAt = event.occurredAt;
    next.success = {
      importId: event.importId,
      artifactsInstalled: event.artifactsInstalled,
      conflictsResolved: event.conflictsResolved,
      completedAt: event.completedAt,
      dryRun: event.dryRun,
      plan: event.plan ?? null,
    };
  }
  if (event.type === "UninstallSucceeded") {
    next.status = "Success";
    next.importId = event.importId;
    next.finishedAt = event.occurredAt;
    next.success = {
      importId: event.importId,
      artifactsInstalled: 0,
      conflictsResolved: 0,
      completedAt: event.completedAt,
      dryRun: false,
      plan: null,
      uninstall: { artifactsRemoved: event.artifactsRemoved, kept: event.kept },
    };
  }
  if (event.type === "InstallFailed" || event.type === "UninstallFailed") {
    next.status = "Failed";
    next.finishedAt = event.occurredAt;
    next.failure = {
      stage: event.stage,
      error: event.error,
      message: event.message,
      rolledBack: event.rolledBack,
    };
  }
  return next;
}

/** True when `next` differs from `previous`: the projection writes only real changes. */
export function stateChanged(previous: InstallState | undefined, next: InstallState): boolean {
  return !isDeepStrictEqual(previous, next);
}
