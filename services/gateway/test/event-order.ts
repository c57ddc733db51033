/**
 * Helpers for the gateway's projection unit tests (domain/install-status, lifecycle-projections): event
 * times and reproducible reorderings of a stream. Kept under test/, not beside the domain modules, so
 * Stryker (which mutates src/domain/*.ts) never mutates them.
 */

/** 2026-05-25T10:30:<seconds>Z as an ISO string: event times a test can order by. */
export const at = (seconds: number) => new Date(Date.UTC(2026, 4, 25, 10, 30, seconds)).toISOString();

/**
 * A copy of `items` in an order fixed by `seed` (Fisher–Yates driven by a seeded LCG), so a failure
 * names a reproducible permutation.
 */
export function shuffled<T>(items: T[], seed: number): T[] {
  const copy = [...items];
  let state = seed;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
