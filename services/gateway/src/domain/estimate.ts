/**
 * What the estimate learns from: the last 50 successful installs that wrote to a tenant. A dry run
 * writes nothing, so how long it took says nothing about an import's time.
 */
export const estimateSample = { limit: 50, dryRun: false } as const;

export interface CompletedInstall {
  requestedAt: string;
  finishedAt: string;
  artifactCount: number;
}

/**
 * `estimatedSeconds` for a new install: seconds per artifact × this install's artifact count, rounded
 * up to whole seconds, at least 1. Seconds per artifact are what this system measures — the median of
 * (finished − requested) / artifacts over recently finished installs — and, before any install has
 * finished, `defaultSecondsPerArtifact`, the value `pnpm bench` calibrated on a 2-core machine
 * (ESTIMATE_SECONDS_PER_ARTIFACT). Installs without artifacts and impossible durations are ignored.
 *
 * @example
 * estimateSeconds(5, [], 0.2) // 1 (a fresh system: 5 × 0.2 s)
 * estimateSeconds(4, [{ requestedAt: "…:00Z", finishedAt: "…:10Z", artifactCount: 5 }], 0.2) // 8
 */
export function estimateSeconds(
  artifactCount: number,
  recent: CompletedInstall[],
  defaultSecondsPerArtifact: number,
): number {
  const perArtifact = recent
    .filter((install) => install.artifactCount > 0)
    .map(
      (install) =>
        (Date.parse(install.finishedAt) - Date.parse(install.requestedAt)) / 1000 / install.artifactCount,
    )
    .filter((seconds) => Number.isFinite(seconds) && seconds >= 0)
    .sort((a, b) => a - b);
  const rate = perArtifact.length === 0 ? defaultSecondsPerArtifact : median(perArtifact);
  return Math.max(1, Math.ceil(rate * Math.max(1, artifactCount)));
}

function median(sorted: number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
