import { InstallStage, PlannedArtifact } from "@installhub/shared";
import { z } from "zod";
import type { InstallState } from "./install-status.ts";

/**
 * What `GET /api/marketplace/installs/{installId}/status` answers (the spec's three shapes, plus a dry
 * run's plan and an uninstall's outcome): the one definition of the status body, whose OpenAPI schema
 * `entry-points/http/schemas.ts` derives.
 */
export const InstallStatusView = z.union([
  z.object({
    status: z.literal("InProgress"),
    stage: InstallStage,
    progress: z.string().optional().meta({ example: "3 of 5 artifacts installed" }),
  }),
  z.object({
    status: z.literal("Success"),
    importId: z.string(),
    artifactsInstalled: z.number().int(),
    conflictsResolved: z.number().int(),
    completedAt: z.string(),
    dryRun: z.literal(true).optional(),
    plan: z.array(PlannedArtifact).optional(),
  }),
  z.object({
    status: z.literal("Success"),
    importId: z.string(),
    artifactsRemoved: z.number().int().describe("An uninstall's: artifacts removed"),
    kept: z
      .array(z.string())
      .describe("An uninstall's: tenant keys of artifacts the tenant changed, left in place"),
    completedAt: z.string(),
  }),
  z.object({
    status: z.literal("Failed"),
    stage: InstallStage,
    error: z.string(),
    message: z.string(),
    rolledBack: z.boolean(),
  }),
]);
export type InstallStatusView = z.infer<typeof InstallStatusView>;

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
