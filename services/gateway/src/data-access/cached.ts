/**
 * Remembers what `load` returned for `ttlMs`; concurrent callers share one load. For reads that may
 * be a little stale but are costly, such as the estimate's history (a sorted scan of install_status).
 *
 * @example
 * const recent = cachedFor(30_000, () => statuses.recentlySucceeded(estimateSample));
 * const history = await recent();
 */
export function cachedFor<T>(
  ttlMs: number,
  load: () => Promise<T>,
  now = () => Date.now(),
): () => Promise<T> {
  let value: { promise: Promise<T>; at: number } | undefined;
  return () => {
    if (!value || now() - value.at > ttlMs) {
      const promise = load();
      const entry = { promise, at: now() };
      value = entry;
      // A failed load is not remembered: the next caller tries again.
      promise.catch(() => {
        if (value === entry) value = undefined;
      });
    }
    return value.promise;
  };
}
