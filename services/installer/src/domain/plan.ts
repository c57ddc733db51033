import type { ArtifactAction, ConflictStrategy, ManifestArtifact } from "@installhub/shared";
import type { TenantArtifact } from "./tenant-artifact.ts";

/** What the import does with one artifact; computed once, before anything is written. */
export interface PlanStep {
  /** 1-based position in the manifest. */
  index: number;
  key: string;
  type: ManifestArtifact["type"];
  /** The artifact key and name in the tenant afterwards (differ from the manifest's when renamed). */
  resultingKey: string;
  resultingName: string;
  /** `Fail`: the caller chose to abort on this conflict; the import stops here and rolls back. */
  action: ArtifactAction | "Fail";
  conflict: boolean;
  /** The tenant's artifact at `resultingKey` before the import, kept to restore it exactly. */
  before: TenantArtifact | null;
  /** The versionId this step writes; null when it writes nothing. */
  afterVersionId: string | null;
  appliedAt: string | null;
  undoneAt: string | null;
}

export interface PlanInput {
  importId: string;
  artifacts: ManifestArtifact[];
  conflict: { defaultStrategy: ConflictStrategy; overrides: Record<string, ConflictStrategy> };
  /** The tenant's artifacts whose keys the manifest uses. */
  existing: Map<string, TenantArtifact>;
  /** Every key the tenant holds, for choosing a free name on Rename. */
  tenantKeys: Set<string>;
}

/**
 * Decides each artifact's action: no conflict → Created; on a conflict, the artifact's override or
 * else the default strategy: Skip → Skipped, Overwrite → Overwritten, Rename → Renamed, Fail → Fail.
 *
 * @example
 * planImport({ importId, artifacts: manifest.artifacts, conflict, existing, tenantKeys });
 */
export function planImport(input: PlanInput): PlanStep[] {
  const taken = new Set([...input.tenantKeys, ...input.artifacts.map((artifact) => artifact.key)]);
  return input.artifacts.map((artifact, position) => {
    const index = position + 1;
    const strategy = input.conflict.overrides[artifact.key] ?? input.conflict.defaultStrategy;
    return artifactStep(
      input.importId,
      index,
      artifact,
      input.existing.get(artifact.key) ?? null,
      strategy,
      taken,
    );
  });
}

/**
 * The step that writes a package's artifact at its own key: `Created` where the key is free, else the
 * conflict resolved by `strategy` (`resolveConflict`).
 */
export function artifactStep(
  importId: string,
  index: number,
  artifact: ManifestArtifact,
  existing: TenantArtifact | null,
  strategy: ConflictStrategy,
  taken: Set<string>,
): PlanStep {
  const step: Omit<PlanStep, "action"> = {
    index,
    key: artifact.key,
    type: artifact.type,
    resultingKey: artifact.key,
    resultingName: artifact.name,
    conflict: existing !== null,
    before: existing,
    afterVersionId: versionIdOf(importId, index),
    appliedAt: null,
    undoneAt: null,
  };
  return existing ? resolveConflict(step, strategy, taken) : { ...step, action: "Created" };
}

/**
 * A conflict resolved by its strategy: Skip → Skipped, Overwrite → Overwritten, Fail → Fail, Rename →
 * Renamed at the first free `<key>-<n>` (which is then taken).
 */
export function resolveConflict(
  step: Omit<PlanStep, "action">,
  strategy: ConflictStrategy,
  taken: Set<string>,
): PlanStep {
  switch (strategy) {
    case "Skip":
      return { ...step, action: "Skipped", afterVersionId: null };
    case "Overwrite":
      return { ...step, action: "Overwritten" };
    case "Fail":
      return { ...step, action: "Fail", afterVersionId: null };
    case "Rename": {
      const renamed = renameOf({ key: step.key, name: step.resultingName }, taken);
      taken.add(renamed.key);
      return {
        ...step,
        action: "Renamed",
        resultingKey: renamed.key,
        resultingName: renamed.name,
        before: null,
      };
    }
  }
}

/**
 * The rename rule: the first `<key>-<n>`, for n = 2, 3, …, that neither the tenant nor any other
 * artifact of the same import uses; the name gets ` (<n>)`.
 */
export function renameOf(
  artifact: { key: string; name: string },
  taken: Set<string>,
): { key: string; name: string } {
  for (let n = 2; ; n++) {
    const key = `${artifact.key}-${n}`;
    if (!taken.has(key)) return { key, name: `${artifact.name} (${n})` };
  }
}

/** Deterministic, so the version an import writes is known before it writes it. */
export function versionIdOf(importId: string, index: number): string {
  return `${importId}/${index}`;
}
