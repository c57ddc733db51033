/** Seconds per artifact assumed when no install has completed yet: 5 artifacts → the spec's 15 s. */
export const defaultSecondsPerArtifact = 3;

export interface CompletedInstall {
  requestedAt: string;
  finishedAt: string;
  artifactCount: number;
}

/**
 * `estimatedSeconds` for a new install: the median seconds per artifact of recent completed installs
 * (requested → finished, divided by their artifact count) times this install's artifact count, rounded
 * up, at least 1. With no usable history, `defaultSecondsPerArtifact` per artifact.
 *
 * @example
 * estimateSeconds(5, []) // 15
 */
export function estimateSeconds(artifactCount: number, recent: CompletedInstall[]): number {
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
