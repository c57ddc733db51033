// Waiting for installs to end without a fixed deadline per install: on a machine shared with others a
// large run may take far longer than usual, so a wait fails only when nothing has moved for a while.

export interface Outcomes<T> {
  /** Something happened (an event on the topic): the run is alive. */
  progress(): void;
  /** `key` ended with `value`; its waiter, now or later, gets it. */
  settle(key: string, value: T): void;
  /** Resolves with `key`'s outcome; rejects once nothing has progressed for the stall time. */
  wait(key: string): Promise<T>;
}

/**
 * @example
 * const outcomes = outcomesOf<string>(5 * 60_000, "the install-events topic");
 * consumer.run({ eachMessage: async (m) => { outcomes.progress(); if (terminal(m)) outcomes.settle(id, type); } });
 * const type = await outcomes.wait(installId);
 */
export function outcomesOf<T>(stallMs: number, what: string): Outcomes<T> {
  const known = new Map<string, T>();
  const waiters = new Map<string, { resolve: (value: T) => void; reject: (error: Error) => void }>();
  let lastProgress = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    if (waiters.size > 0 && Date.now() - lastProgress <= stallMs) return;
    const error = new Error(
      `nothing moved on ${what} for ${stallMs / 1000} s; ${waiters.size} install(s) unfinished`,
    );
    for (const waiter of waiters.values()) waiter.reject(error);
    waiters.clear();
    clearInterval(timer);
    timer = undefined;
  };
  return {
    progress() {
      lastProgress = Date.now();
    },
    settle(key, value) {
      known.set(key, value);
      waiters.get(key)?.resolve(value);
      waiters.delete(key);
    },
    wait(key) {
      if (known.has(key)) return Promise.resolve(known.get(key)!);
      if (waiters.size === 0) lastProgress = Date.now(); // an idle spell before this wait is no stall
      timer ??= setInterval(check, 1000);
      return new Promise<T>((resolve, reject) => waiters.set(key, { resolve, reject }));
    },
  };
}
