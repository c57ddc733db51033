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
  | { status: "Failed"; stage: InstallStage; error: string; message: string; rolledBack: boolean };

/**
 * The spec's status shapes: `progress` only while Installing; `dryRun` and `plan` only for a dry run,
 * so a real install's success body is exactly the spec's five fields.
 */
export function statusView(state: InstallState): InstallStatusView {
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
  if (state.stage === "Installing" && state.progress) {
    const { installed, total } = state.progress;
    return {
      status: "InProgress",
      stage: state.stage,
      progress: `${installed} of ${total} artifacts installed`,
    };
  }
  return { status: "InProgress", stage: state.stage };
}
