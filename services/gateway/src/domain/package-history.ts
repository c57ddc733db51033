import { type InstallEvent, LifecycleOperation } from "@installhub/shared";
import { z } from "zod";

/**
 * One operation on a package in a tenant — an install, upgrade, downgrade, reinstall or uninstall —
 * as its history needs it (docs/lifecycle.md), folded from its events. What the operation is and the
 * version it replaced are the installer's to say (it knows what was installed): until it has, an install
 * reads `Install` and an uninstall the version the gateway saw.
 */
export interface OperationHistory {
  installId: string;
  tenantId: string;
  packageId: string;
  operation: LifecycleOperation;
  /** The installer said what the operation is (its events carry `operation`). */
  decided: boolean;
  fromVersion: string | null;
  toVersion: string | null;
  requestedBy: { userId: string; email: string } | null;
  /** The request's time; until the request is seen, the earliest time seen. */
  requestedAt: string;
  requestSeen: boolean;
  importId: string | null;
  dryRun: boolean;
  outcome: "InProgress" | "Success" | "Failed";
  error: string | null;
  completedAt: string | null;
  /** Someone asked to cancel it: who, and when (the first cancel). */
  cancel: { requestedBy: { userId: string; email: string }; requestedAt: string } | null;
}

/**
 * One entry of `GET /api/tenants/{tenantId}/packages/{packageId}/history`: the one definition of its
 * shape (the route's OpenAPI schema derives from it).
 */
export const HistoryEntry = z.object({
  installId: z.string().describe("The operation's id; its status is at statusUrl"),
  operation: z.enum([...LifecycleOperation.options, "Cancel"]),
  fromVersion: z.string().nullable(),
  toVersion: z.string().nullable(),
  requestedBy: z.string().nullable().describe("The caller's sub"),
  requestedAt: z.string(),
  outcome: z.enum(["InProgress", "Success", "Failed"]),
  error: z.string().nullable(),
  importId: z.string().nullable(),
  completedAt: z.string().nullable(),
});

/** A history entry as the projection keeps it: with the id it pages by. */
export type HistoryRow = z.infer<typeof HistoryEntry> & {
  /** The operation's installId; a cancel's row is `<installId>:cancel`. */
  entryId: string;
};

const earliest = (a: string, b: string): string => (Date.parse(b) < Date.parse(a) ? b : a);

const lifecycleEventTypes = new Set<InstallEvent["type"]>([
  "InstallRequested",
  "UninstallRequested",
  "InstallCancelRequested",
  "ImportStarted",
  "InstallSucceeded",
  "InstallFailed",
  "UninstallStarted",
  "UninstallSucceeded",
  "UninstallFailed",
]);

/** The event types the history (and the installed packages) are folded from. */
export const isLifecycleEvent = (event: InstallEvent) => lifecycleEventTypes.has(event.type);

/** An operation's first event: an install until an uninstall's event says otherwise (a cancel may come first). */
function initial(event: InstallEvent): OperationHistory {
  return {
    installId: event.installId,
    tenantId: event.tenantId,
    packageId: event.packageId,
    operation: "Install",
    decided: false,
    fromVersion: null,
    toVersion: event.version,
    requestedBy: null,
    requestedAt: event.occurredAt,
    requestSeen: false,
    importId: null,
    dryRun: false,
    outcome: "InProgress",
    error: null,
    completedAt: null,
    cancel: null,
  };
}

/**
 * The history's reducer: pure and, like the status reducer, monotonic — each field is set by the event
 * that knows it (the request, the installer, the terminal event, the first cancel) and never unset, the
 * first terminal outcome is final and applying an event twice changes nothing — so any order or
 * repetition of one operation's events gives the same entry, and a replay changes nothing.
 * Returns `state` itself for an event it does not fold.
 */
export function reduceHistory(
  state: OperationHistory | undefined,
  event: InstallEvent,
): OperationHistory | undefined {
  if (!isLifecycleEvent(event)) return state;
  const next: OperationHistory = { ...(state ?? initial(event)) };
  const isRequest = event.type === "InstallRequested" || event.type === "UninstallRequested";
  if (isRequest && !next.requestSeen) next.requestedAt = event.occurredAt;
  else if (isRequest === next.requestSeen) next.requestedAt = earliest(next.requestedAt, event.occurredAt);
  next.requestSeen ||= isRequest;

  switch (event.type) {
    case "InstallRequested":
      next.requestedBy = event.requestedBy;
      next.importId = event.importId;
      next.dryRun = event.dryRun;
      next.toVersion = event.version;
      break;
    case "UninstallRequested":
      next.requestedBy = event.requestedBy;
      next.importId = event.importId;
      next.operation = "Uninstall";
      next.toVersion = null;
      if (!next.decided) next.fromVersion = event.version;
      break;
    case "InstallCancelRequested":
      if (!next.cancel || Date.parse(event.occurredAt) < Date.parse(next.cancel.requestedAt))
        next.cancel = { requestedBy: event.requestedBy, requestedAt: event.occurredAt };
      break;
    case "ImportStarted":
    case "InstallSucceeded":
    case "InstallFailed":
      if (event.type !== "InstallFailed") next.dryRun ||= event.dryRun;
      if (event.operation) {
        next.operation = event.operation;
        next.fromVersion = event.fromVersion ?? null;
        next.decided = true;
      }
      break;
    case "UninstallStarted":
    case "UninstallSucceeded":
    case "UninstallFailed":
      // The installer uninstalls the version it has on record, whatever the gateway saw.
      next.operation = "Uninstall";
      next.toVersion = null;
      next.fromVersion = event.version;
      next.decided = true;
      break;
  }
  if (next.outcome === "InProgress") {
    if (event.type === "InstallSucceeded" || event.type === "UninstallSucceeded") {
      next.outcome = "Success";
      next.completedAt = event.completedAt;
    }
    if (event.type === "InstallFailed" || event.type === "UninstallFailed") {
      next.outcome = "Failed";
      next.error = event.error;
      next.completedAt = event.occurredAt;
    }
  }
  return next;
}

/**
 * The rows an operation gives: its own, and its cancel's if one was asked for — `Success` when the
 * operation ended `InstallCancelled`, `Failed` (`InstallAlreadyFinished`) when it ended otherwise first.
 */
export function historyRows(history: OperationHistory): HistoryRow[] {
  const versions = { fromVersion: history.fromVersion, toVersion: history.toVersion };
  const own: HistoryRow = {
    entryId: history.installId,
    installId: history.installId,
    operation: history.operation,
    ...versions,
    requestedBy: history.requestedBy?.userId ?? null,
    requestedAt: history.requestedAt,
    outcome: history.outcome,
    error: history.error,
    importId: history.importId,
    completedAt: history.completedAt,
  };
  if (!history.cancel) return [own];
  const cancelled = history.outcome === "Failed" && history.error === "InstallCancelled";
  const tooLate = history.outcome !== "InProgress" && !cancelled;
  return [
    own,
    {
      entryId: `${history.installId}:cancel`,
      installId: history.installId,
      operation: "Cancel",
      ...versions,
      requestedBy: history.cancel.requestedBy.userId,
      requestedAt: history.cancel.requestedAt,
      outcome: history.outcome === "InProgress" ? "InProgress" : cancelled ? "Success" : "Failed",
      error: tooLate ? "InstallAlreadyFinished" : null,
      importId: history.importId,
      completedAt: history.outcome === "InProgress" ? null : history.completedAt,
    },
  ];
}
