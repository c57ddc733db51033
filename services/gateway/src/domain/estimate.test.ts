import { describe, expect, it } from "vitest";
import { estimateSeconds } from "./estimate.ts";

const install = (seconds: number, artifactCount: number) => ({
  requestedAt: "2026-05-25T10:30:00.000Z",
  finishedAt: new Date(Date.parse("2026-05-25T10:30:00.000Z") + seconds * 1000).toISOString(),
  artifactCount,
});

describe("estimateSeconds", () => {
  it("uses the calibrated seconds per artifact while nothing has finished", () => {
    expect(estimateSeconds(5, [], 3)).toBe(15);
    expect(estimateSeconds(5, [], 0.7)).toBe(4);
  });

  it("multiplies the live median seconds per artifact by the artifact count", () => {
    // per artifact: 1, 2, 10 → median 2
    expect(estimateSeconds(4, [install(5, 5), install(20, 10), install(30, 3)], 3)).toBe(8);
    // per artifact: 1, 3 → median 2
    expect(estimateSeconds(3, [install(2, 2), install(6, 2)], 100)).toBe(6);
  });

  it("rounds up, is at least 1, and ignores installs without artifacts or with impossible durations", () => {
    expect(estimateSeconds(3, [install(1, 4), install(99, 0)], 50)).toBe(1);
    expect(estimateSeconds(0, [], 3)).toBe(3);
    expect(estimateSeconds(2, [install(-5, 1)], 1.5)).toBe(3);
    expect(estimateSeconds(5, [], 0.01)).toBe(1);
  });
});
