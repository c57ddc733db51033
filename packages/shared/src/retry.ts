import pRetry from "p-retry";
import { classifyFailure, PermanentError } from "./failures.ts";

/**
 * How a piece of work is retried. `attempts` counts every try, the first included; `Infinity`
 * retries for as long as it takes. The wait before try n+1 is `initialBackoffMs × 2^(n-1)`, capped
 * at `maxBackoffMs`.
 */
export interface RetryPolicy {
  attempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface RetryOptions {
  policy: RetryPolicy;
  /** Whether a failure may be tried again at all (default: always, within `policy.attempts`). */
  retryable?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait: log, heartbeat, flag "waiting". */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void | Promise<void>;
  /** Stops retrying (the current try finishes first); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * The one retry helper of InstallHub (p-retry underneath): downloads, clamd, SMTP and the consumer
 * runner all retry through it, each with its policy.
 *
 * @example
 * const bytes = await retry(() => fetchOnce(url), {
 *   policy: { attempts: 4, initialBackoffMs: 250, maxBackoffMs: 5000 },
 *   retryable: (error) => classifyFailure(error) === "transient",
 * });
 */
export function retry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy } = options;
  // p-retry asks onFailedAttempt before shouldRetry; deciding once, in the first, keeps onRetry for
  // failures that really are tried again.
  const decisions = new WeakMap<object, boolean>();
  return pRetry((attempt) => work(attempt), {
    retries: policy.attempts === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : policy.attempts - 1,
    minTimeout: policy.initialBackoffMs,
    maxTimeout: policy.maxBackoffMs,
    factor: 2,
    ...(options.signal ? { signal: options.signal } : {}),
    onFailedAttempt: async ({ error, attemptNumber, retryDelay }) => {
      const again = retryDelay > 0 && (options.retryable?.(error, attemptNumber) ?? true);
      decisions.set(error, again);
      if (again) await options.onRetry?.(error, attemptNumber, retryDelay);
    },
    shouldRetry: ({ error }) => decisions.get(error) ?? false,
  });
}

/**
 * Retries transient failures forever (capped backoff) and deterministic ones `deterministicAttempts`
 * times in all (a `PermanentError` not at all): what a consumer does with a handler (docs/design.md §8).
 */
export function retryTransientForever<T>(
  work: (attempt: number) => Promise<T>,
  options: Omit<RetryOptions, "policy" | "retryable"> & {
    deterministicAttempts: number;
    initialBackoffMs: number;
    maxBackoffMs: number;
  },
): Promise<T> {
  let deterministicFailures = 0;
  return retry(work, {
    ...options,
    policy: {
      attempts: Number.POSITIVE_INFINITY,
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
    },
    retryable: (error) => {
      if (classifyFailure(error) === "transient") return true;
      if (error instanceof PermanentError) return false;
      deterministicFailures += 1;
      return deterministicFailures < options.deterministicAttempts;
    },
  });
}
