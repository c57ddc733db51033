import {
  type ArtifactAction,
  auditLogPath,
  type InstallEventOf,
  importPath,
  type NotificationDocument,
  type PlannedArtifact,
} from "@installhub/shared";

/** What the notifier keeps of an `InstallRequested`: who asked, for what. */
export interface InstallRequest {
  installId: string;
  tenantId: string;
  importId: string;
  packageId: string;
  packageName: string;
  version: string;
  dryRun: boolean;
  requestedBy: { userId: string; email: string };
}

/** How an operation ended: an install's (also an upgrade's, downgrade's, reinstall's) or an uninstall's. */
export type InstallOutcome =
  | InstallEventOf<"InstallSucceeded">
  | InstallEventOf<"InstallFailed">
  | InstallEventOf<"UninstallSucceeded">
  | InstallEventOf<"UninstallFailed">;

/** The event types the notifier tells a person about. */
export const outcomeTypes = [
  "InstallSucceeded",
  "InstallFailed",
  "UninstallSucceeded",
  "UninstallFailed",
] as const;

/** One install outcome told to a person: the in-app notification and the e-mail say the same. */
export interface OutcomeMessage {
  kind: NotificationDocument["kind"];
  title: string;
  /** One paragraph: the in-app notification's body and the e-mail's opening. */
  summary: string;
  facts: [label: string, value: string][];
  /** A dry run's plan, one line per artifact. */
  planLines: string[];
  link: { label: string; path: string };
}

/** An operation's request: what the notifier learns the requester from. */
export type RequestEvent = InstallEventOf<"InstallRequested"> | InstallEventOf<"UninstallRequested">;

/** Who asked for an install or an uninstall (docs/lifecycle.md), for telling them how it ended. */
export function requestOf(event: RequestEvent): InstallRequest {
  return {
    installId: event.installId,
    tenantId: event.tenantId,
    importId: event.importId,
    packageId: event.packageId,
    packageName: event.packageName || event.packageId,
    version: event.version,
    dryRun: event.type === "InstallRequested" ? event.dryRun : false,
    requestedBy: event.requestedBy,
  };
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;

/** "3 Created, 1 Overwritten, 1 Skipped", in the order actions are defined. */
export function planSummary(plan: PlannedArtifact[]): string {
  const counts = new Map<ArtifactAction, number>();
  for (const artifact of plan) counts.set(artifact.action, (counts.get(artifact.action) ?? 0) + 1);
  const parts = (["Created", "Overwritten", "Renamed", "Skipped"] as const)
    .filter((action) => counts.has(action))
    .map((action) => `${counts.get(action)} ${action}`);
  return `${plural(plan.length, "artifact")}: ${parts.join(", ") || "nothing to do"}`;
}

/** What a failed operation's message lists: where and why it failed, and whether it was rolled back. */
function failureFacts(failure: {
  stage: string;
  error: string;
  message: string;
  rolledBack: boolean;
}): [string, string][] {
  return [
    ["Stage", failure.stage],
    ["Error", failure.error],
    ["Message", failure.message],
    ["Rolled back", failure.rolledBack ? "yes" : "no"],
  ];
}

/**
 * Decides what the requesting user is told about an install's outcome.
 *
 * @example
 * const message = composeOutcomeMessage(request, installSucceededEvent);
 * message.title; // "ACME Invoice Workflows 3.0.0 installed in tenant-abc123"
 */
export function composeOutcomeMessage(request: InstallRequest, outcome: InstallOutcome): OutcomeMessage {
  const target = `${request.packageName} ${outcome.version}`;
  const importId = ("importId" in outcome && outcome.importId) || request.importId;
  const common: [string, string][] = [
    ["Package", `${request.packageName} (${outcome.packageId})`],
    ["Version", outcome.version],
    ["Tenant", outcome.tenantId],
    ["Import", importId],
  ];

  if (outcome.type === "UninstallSucceeded") {
    const kept = outcome.kept.length > 0 ? outcome.kept.join(", ") : "none";
    return {
      kind: "UninstallSucceeded",
      title: `${target} uninstalled from ${outcome.tenantId}`,
      summary:
        `${plural(outcome.artifactsRemoved, "artifact")} removed` +
        (outcome.kept.length > 0
          ? `; kept because the tenant changed them: ${outcome.kept.join(", ")}.`
          : "."),
      facts: [
        ...common,
        ["Artifacts removed", String(outcome.artifactsRemoved)],
        ["Kept (changed by the tenant)", kept],
        ["Completed", outcome.completedAt],
      ],
      planLines: [],
      link: { label: "View the uninstall", path: importPath(importId) },
    };
  }

  if (outcome.type === "UninstallFailed") {
    return {
      kind: "UninstallFailed",
      title: `Uninstall of ${target} failed in ${outcome.tenantId}`,
      summary:
        `The uninstall failed at stage ${outcome.stage} with ${outcome.error}: ${outcome.message}. ` +
        (outcome.rolledBack ? "Removed artifacts were put back." : "Nothing had been removed."),
      facts: [...common, ...failureFacts(outcome)],
      planLines: [],
      link: { label: "Uninstall audit log", path: auditLogPath(importId) },
    };
  }

  if (outcome.type === "InstallFailed") {
    const dryRunMark = request.dryRun ? "DRY RUN: " : "";
    return {
      kind: "InstallFailed",
      title: `${dryRunMark}Install of ${target} failed in ${outcome.tenantId}`,
      summary:
        `${dryRunMark}The install failed at stage ${outcome.stage} with ${outcome.error}: ${outcome.message}. ` +
        (outcome.rolledBack ? "Changes were rolled back." : "Nothing was rolled back."),
      facts: [...common, ...failureFacts(outcome)],
      planLines: [],
      link: { label: "Import audit log", path: auditLogPath(importId) },
    };
  }

  if (outcome.dryRun) {
    const plan = outcome.plan ?? [];
    return {
      kind: "DryRunCompleted",
      title: `DRY RUN: ${target} in ${outcome.tenantId} — nothing was installed`,
      summary: `DRY RUN — nothing was changed. The plan: ${planSummary(plan)}; ${plural(outcome.conflictsResolved, "conflict")} would be resolved.`,
      facts: [
        ...common,
        ["Mode", "DRY RUN (nothing was installed)"],
        ["Planned", planSummary(plan)],
        ["Conflicts that would be resolved", String(outcome.conflictsResolved)],
      ],
      planLines: plan.map((artifact) =>
        artifact.resultingKey === artifact.key
          ? `${artifact.key}: ${artifact.action}`
          : `${artifact.key}: ${artifact.action} as ${artifact.resultingKey}`,
      ),
      link: { label: "Dry-run import record", path: importPath(importId) },
    };
  }

  return {
    kind: "InstallSucceeded",
    title: `${target} installed in ${outcome.tenantId}`,
    summary: `${plural(outcome.artifactsInstalled, "artifact")} installed, ${plural(outcome.conflictsResolved, "conflict")} resolved.`,
    facts: [
      ...common,
      ["Artifacts installed", String(outcome.artifactsInstalled)],
      ["Conflicts resolved", String(outcome.conflictsResolved)],
      ["Completed", outcome.completedAt],
    ],
    planLines: [],
    link: { label: "View the import", path: importPath(importId) },
  };
}
