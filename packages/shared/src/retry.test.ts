import { describe, expect, it } from "vitest";
import { PermanentError, TransientError } from "./failures.ts";
import { retry, retryTransientForever } from "./retry.ts";

const fast = { initialBackoffMs: 1, maxBackoffMs: 2 };

describe("retry", () => {
  it("tries `attempts` times in all, reporting each retry, then rejects with the last error", async () => {
    const retried: number[] = [];
    let tries = 0;
    await expect(
      retry(
        async () => {
          tries++;
          throw new Error(`try ${tries}`);
        },
        { policy: { attempts: 3, ...fast }, onRetry: (_, attempt) => void retried.push(attempt) },
      ),
    ).rejects.toThrow("try 3");
    expect(tries).toBe(3);
    expect(retried).toEqual([1, 2]);
  });

  it("stops at once for a failure that is not retryable", async () => {
    let tries = 0;
    await expect(
      retry(
        async () => {
          tries++;
          throw new Error("not found");
        },
        { policy: { attempts: 5, ...fast }, retryable: () => false },
      ),
    ).rejects.toThrow("not found");
    expect(tries).toBe(1);
  });
});

describe("retryTransientForever", () => {
  it("waits out transient failures far beyond the deterministic budget, then returns the result", async () => {
    let tries = 0;
    const result = await retryTransientForever(
      async () => {
        tries++;
        if (tries < 20) throw new TransientError("store away");
        return "done";
      },
      { deterministicAttempts: 2, ...fast },
    );
    expect(result).toBe("done");
    expect(tries).toBe(20);
  });

  it("gives a deterministic failure `deterministicAttempts` tries in all, even mixed with transient ones", async () => {
    let tries = 0;
    await expect(
      retryTransientForever(
        async () => {
          tries++;
          throw tries % 2 === 0 ? new TransientError("blip") : new Error("refused");
        },
        { deterministicAttempts: 3, ...fast },
      ),
    ).rejects.toThrow("refused");
    expect(tries).toBe(5);
  });

  it("tries a PermanentError once, and stops when the signal aborts", async () => {
    let tries = 0;
    await expect(
      retryTransientForever(
        async () => {
          tries++;
          throw new PermanentError("never");
        },
        { deterministicAttempts: 5, ...fast },
      ),
    ).rejects.toThrow("never");
    expect(tries).toBe(1);
    const stop = new AbortController();
    const waiting = retryTransientForever(
      async () => {
        throw new TransientError("away");
      },
      {
        deterministicAttempts: 1,
        ...fast,
        signal: stop.signal,
        onRetry: () => stop.abort(new Error("stopping")),
      },
    );
    await expect(waiting).rejects.toThrow("stopping");
  });
});
