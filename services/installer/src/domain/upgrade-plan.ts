import type { ManifestArtifact, OwnedArtifact, UpgradeType } from "@installhub/shared";
import { artifactStep, type PlanInput, type PlanStep, resolveConflict, versionIdOf } from "./plan.ts";
import type { TenantArtifact } from "./tenant-artifact.ts";
import { ownedArtifactStep } from "./uninstall-plan.ts";

export interface UpgradePlanInput extends PlanInput {
  /** What the installed version owns in the tenant (key → where, at which version its install wrote). */
  owned: readonly OwnedArtifact[];
  /** The tenant's artifacts at the manifest's keys and at every owned artifact's key. */
  existing: Map<string, TenantArtifact>;
  /** sha256 of each new artifact's content, by manifest key: identical content is `Unchanged`. */
  contentSha256: ReadonlyMap<string, string>;
  upgradeType: UpgradeType;
}

/**
 * The plan of an install over another installed version (an upgrade, downgrade or reinstall;
 * docs/lifecycle.md), in two parts:
 *
 * 1. each artifact of the new manifest, in manifest order:
 *    - the package's own, untouched since its install (the tenant's versionId is the one the install
 *      wrote): `Unchanged` when type, name and content are the same, else `Updated` — never a conflict;
 *    - the package's own, changed by the tenant since: a conflict its strategy decides;
 *    - anything else: as a first install (`Created`, or a conflict with whatever holds the key);
 * 2. each artifact the installed version owns and the new one no longer has, still in the tenant,
 *    after the manifest's: `Removed` or `Kept` by `upgradeType` — `Mixed` removes the untouched ones and
 *    keeps those the tenant changed, `DeprecateOnly` keeps all, `Delete` removes all.
 *
 * Removed and Kept steps write nothing new: a removal deletes exactly the version it saw (`before`),
 * which a rollback puts back whole.
 *
 * @example
 * planUpgrade({ importId, artifacts, conflict, existing, tenantKeys, owned, contentSha256, upgradeType: "Mixed" });
 */
export function planUpgrade(input: UpgradePlanInput): PlanStep[] {
  const owned = new Map(input.owned.map((artifact) => [artifact.key, artifact]));
  const taken = new Set([
    ...input.tenantKeys,
    ...input.artifacts.map((artifact) => artifact.key),
    ...input.owned.map((artifact) => artifact.resultingKey),
  ]);
  const strategyOf = (key: string) => input.conflict.overrides[key] ?? input.conflict.defaultStrategy;

  const steps = input.artifacts.map((artifact, position): PlanStep => {
    const index = position + 1;
    const mine = owned.get(artifact.key);
    const current = mine ? (input.existing.get(mine.resultingKey) ?? null) : null;
    if (mine && current) {
      const step = {
        index,
        key: artifact.key,
        type: artifact.type,
        resultingKey: mine.resultingKey,
        // A renamed artifact keeps the name its rename gave it.
        resultingName: mine.resultingKey === artifact.key ? artifact.name : current.name,
        before: current,
        appliedAt: null,
        undoneAt: null,
      };
      if (current.versionId !== mine.versionId) {
        return resolveConflict(
          { ...step, conflict: true, afterVersionId: versionIdOf(input.importId, index) },
          strategyOf(artifact.key),
          taken,
        );
      }
      return sameArtifact(current, artifact, step.resultingName, input.contentSha256.get(artifact.key))
        ? { ...step, action: "Unchanged", conflict: false, afterVersionId: null }
        : { ...step, action: "Updated", conflict: false, afterVersionId: versionIdOf(input.importId, index) };
    }
    const existing = input.existing.get(artifact.key) ?? null;
    return artifactStep(input.importId, index, artifact, existing, strategyOf(artifact.key), taken);
  });

  const inManifest = new Set(input.artifacts.map((artifact) => artifact.key));
  for (const mine of input.owned) {
    if (inManifest.has(mine.key)) continue;
    const current = input.existing.get(mine.resultingKey);
    if (!current) continue; // gone already: nothing to remove or keep
    const changed = current.versionId !== mine.versionId;
    const remove = input.upgradeType === "Delete" || (input.upgradeType === "Mixed" && !changed);
    steps.push(ownedArtifactStep(steps.length + 1, mine, current, remove));
  }
  return steps;
}

function sameArtifact(
  current: TenantArtifact,
  artifact: ManifestArtifact,
  name: string,
  sha256: string | undefined,
): boolean {
  return current.type === artifact.type && current.name === name && current.sha256 === sha256;
}
