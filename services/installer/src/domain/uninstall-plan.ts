import type { OwnedArtifact } from "@installhub/shared";
import type { PlanStep } from "./plan.ts";
import type { TenantArtifact } from "./tenant-artifact.ts";

/**
 * The plan of an uninstall (docs/lifecycle.md): one step per artifact the package owns that is still in
 * the tenant, in the order it was installed. `Removed` when the tenant holds the version the install
 * wrote — or whatever it holds, with `force`; else `Kept` (the tenant changed it since; reported).
 * Artifacts already gone need no step.
 *
 * @param existing the tenant's artifacts at the owned artifacts' keys
 */
export function planUninstall(input: {
  owned: readonly OwnedArtifact[];
  existing: ReadonlyMap<string, TenantArtifact>;
  force: boolean;
}): PlanStep[] {
  const steps: PlanStep[] = [];
  for (const mine of input.owned) {
    const current = input.existing.get(mine.resultingKey);
    if (!current) continue;
    const untouched = current.versionId === mine.versionId;
    steps.push(ownedArtifactStep(steps.length + 1, mine, current, untouched || input.force));
  }
  return steps;
}

/**
 * The step for an artifact the installed version owns and the new plan drops (an uninstall, or an
 * upgrade whose manifest no longer has it): `Removed`, or `Kept` as the tenant has it. Writes nothing.
 */
export function ownedArtifactStep(
  index: number,
  mine: OwnedArtifact,
  current: TenantArtifact,
  remove: boolean,
): PlanStep {
  return {
    index,
    key: mine.key,
    type: current.type,
    resultingKey: mine.resultingKey,
    resultingName: current.name,
    action: remove ? "Removed" : "Kept",
    conflict: false,
    before: current,
    afterVersionId: null,
    appliedAt: null,
    undoneAt: null,
  };
}
