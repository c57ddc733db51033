import type { InstallStage, PlannedArtifact } from "@installhub/shared";
import type { InstallState } from "./install-status.ts";

export type InstallStatusView =
  | { status: "InProgress"; stage: InstallStage; progress?: string }
  | {
      status: "Success";
      importId: string;
      artifactsInstalled: number;
      conflictsResolved: number;
      completedAt: string;
      dryRun?: true;
      plan?: PlannedArtifact[];
    }
  | { status: "Success"; importId: string; artifactsRemoved: number; kept: string[]; completedAt: string }
  | { status: "Failed"; stage: InstallStage; error: string; message: string; rolledBack: boolean };

/**
 * The spec's status shapes: `progress` only while Installing ("k of n artifacts installed") or
 * Uninstalling ("k of n artifacts removed"); `dryRun` and `plan` only for a dry run, so a real
 * install's success body is exactly the spec's five fields. An uninstall's success says what it removed
 * and which artifacts (changed by the tenant) it kept (docs/lifecycle.md).
 */
export function statusView(state: InstallState): InstallStatusView {
  if (state.status === "Success" && state.success?.uninstall) {
    const { importId, completedAt, uninstall } = state.success;
    return { status: "Success", importId, ...uninstall, completedAt };
  }
  if (state.status === "Success" && state.success) {
    const { importId, artifactsInstalled, conflictsResolved, completedAt, dryRun, plan } = state.success;
    const view: InstallStatusView = {
      status: "Success",
      importId,
      artifactsInstalled,
      conflictsResolved,
      completedAt,
    };
    return dryRun ? { ...view, dryRun: true, plan: plan ?? [] } : view;
  }
  if (state.status === "Failed" && state.failure) {
    const { stage, error, message, rolledBack } = state.failure;
    return { status: "Failed", stage, error, message, rolledBack };
  }
  if ((state.stage === "Installing" || state.stage === "Uninstalling") && state.progress) {
    const { installed, total } = state.progress;
    const done = state.stage === "Installing" ? "installed" : "removed";
    return {
      status: "InProgress",
      stage: state.stage,
      progress: `${installed} of ${total} artifacts ${done}`,
    };
  }
  return { status: "InProgress", stage: state.stage };
}
