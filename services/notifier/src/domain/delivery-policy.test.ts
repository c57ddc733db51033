import { describe, expect, it } from "vitest";
import { backoffBeforeTry, delayAfterFailedRound, sendingLeaseMs, tryDeadlineMs } from "./delivery-policy.ts";

const limits = { attempts: 3, backoffMs: 100, connectionTimeoutMs: 1000, socketTimeoutMs: 2000 };

describe("delivery policy", () => {
  it("doubles the backoff between tries of a round", () => {
    expect([2, 3, 4].map((attempt) => backoffBeforeTry(attempt, limits))).toEqual([100, 200, 400]);
  });

  it("reserves a claimed mail for longer than a whole round can take", () => {
    const wholeRound = 3 * tryDeadlineMs(limits) + 100 + 200;
    expect(tryDeadlineMs(limits)).toBe(5000);
    expect(sendingLeaseMs(limits)).toBeGreaterThan(wholeRound);
  });

  it("spaces failed rounds out, doubling up to an hour", () => {
    expect(delayAfterFailedRound(1, 30_000)).toBe(30_000);
    expect(delayAfterFailedRound(3, 30_000)).toBe(120_000);
    expect(delayAfterFailedRound(20, 30_000)).toBe(60 * 60 * 1000);
  });
});
