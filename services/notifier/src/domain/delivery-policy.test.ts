import { describe, expect, it } from "vitest";
import { backoffBeforeTry, delayAfterFailedRound, sendingLeaseMs, tryDeadlineMs } from "./delivery-policy.ts";

const limits = { attempts: 3, backoffMs: 100, connectionTimeoutMs: 1000, socketTimeoutMs: 2000 };

describe("delivery policy", () => {
  it("bounds one try by the connection timeout and two socket timeouts", () => {
    expect(tryDeadlineMs(limits)).toBe(1000 + 2 * 2000);
  });

  it("waits the configured backoff before the second try, doubling for each later one", () => {
    expect([2, 3, 4].map((attempt) => backoffBeforeTry(attempt, limits))).toEqual([100, 200, 400]);
  });

  it("reserves a claimed mail for a whole round (every try and every backoff) plus 10 s", () => {
    // 3 tries of 5000 ms, backoffs of 100 and 200 ms, and the margin
    expect(sendingLeaseMs(limits)).toBe(3 * 5000 + 100 + 200 + 10_000);
    expect(sendingLeaseMs({ ...limits, attempts: 1 })).toBe(5000 + 10_000);
  });

  it("spaces failed rounds out, doubling from the sweep interval up to an hour", () => {
    expect(delayAfterFailedRound(0, 30_000)).toBe(30_000);
    expect(delayAfterFailedRound(1, 30_000)).toBe(30_000);
    expect(delayAfterFailedRound(2, 30_000)).toBe(60_000);
    expect(delayAfterFailedRound(3, 30_000)).toBe(120_000);
    expect(delayAfterFailedRound(7, 60_000)).toBe(60 * 60 * 1000);
    expect(delayAfterFailedRound(20, 30_000)).toBe(60 * 60 * 1000);
  });
});
