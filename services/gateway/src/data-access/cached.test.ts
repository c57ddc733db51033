import { describe, expect, it } from "vitest";
import { cachedFor } from "./cached.ts";

describe("cachedFor", () => {
  it("loads once per period, shares a load between concurrent callers, and forgets failures", async () => {
    let clock = 0;
    let loads = 0;
    let fail = false;
    const cached = cachedFor(
      1000,
      async () => {
        loads++;
        if (fail) throw new Error("down");
        return loads;
      },
      () => clock,
    );
    expect(await Promise.all([cached(), cached()])).toEqual([1, 1]);
    clock = 999;
    expect(await cached()).toBe(1);
    clock = 1001;
    fail = true;
    await expect(cached()).rejects.toThrow("down");
    fail = false;
    expect(await cached()).toBe(3);
    expect(loads).toBe(3);
  });
});
