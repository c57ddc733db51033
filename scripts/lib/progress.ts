// The Node side of scripts/lib/progress.sh: the same `[   12.3s] message` lines on stderr, timed from
// the moment the user's command began (INSTALLHUB_STARTED_AT, epoch ms, set by the shell scripts).

const startedAt = Number(process.env.INSTALLHUB_STARTED_AT) || Date.now();

/** 12.3s below a minute, 2m05.1s above. */
export function formatElapsed(ms: number): string {
  const tenths = Math.floor((ms % 1000) / 100);
  if (ms < 60_000) return `${Math.floor(ms / 1000)}.${tenths}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.floor(ms / 1000) % 60).padStart(2, "0")}.${tenths}s`;
}

/** Time since the user's command began. */
export const elapsed = () => formatElapsed(Date.now() - startedAt);

/**
 * One progress line on stderr.
 *
 * @example
 * progress("gateway: ready on http://127.0.0.1:8080"); // [  2m05.1s] gateway: ready on …
 */
export function progress(message: string): void {
  process.stderr.write(`[${elapsed().padStart(9)}] ${message}\n`);
}
