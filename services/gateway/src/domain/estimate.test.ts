import { describe, expect, it } from "vitest";
import { estimateSeconds } from "./estimate.ts";

const requestedAt = "2026-05-25T10:30:00.000Z";
const install = (seconds: number, artifactCount: number) => ({
  requestedAt,
  finishedAt: new Date(Date.parse(requestedAt) + seconds * 1000).toISOString(),
  artifactCount,
});

describe("estimateSeconds", () => {
  it("uses the calibrated seconds per artifact while nothing has finished", () => {
    expect(estimateSeconds(5, [], 3)).toBe(15);
    expect(estimateSeconds(5, [], 0.7)).toBe(4);
  });

  it("multiplies the median seconds per artifact by the artifact count, in any history order", () => {
    // given per-artifact rates of 10, 1 and 2 s → median 2
    expect(estimateSeconds(4, [install(30, 3), install(5, 5), install(20, 10)], 3)).toBe(8);
  });

  it("takes the mean of the two middle rates for an even history", () => {
    // given rates 4, 1, 2 and 8 s per artifact → middle two 2 and 4 → 3
    expect(estimateSeconds(2, [install(16, 4), install(3, 3), install(4, 2), install(8, 1)], 100)).toBe(6);
    // given rates 1 and 3 → 2
    expect(estimateSeconds(3, [install(2, 2), install(6, 2)], 100)).toBe(6);
  });

  it("rounds up and is at least 1, also for an install of no artifacts", () => {
    // given 0.25 s per artifact: 3 artifacts → 0.75 → 1; 5 artifacts → 1.25 → 2
    expect(estimateSeconds(3, [install(1, 4)], 50)).toBe(1);
    expect(estimateSeconds(5, [install(1, 4)], 50)).toBe(2);
    expect(estimateSeconds(5, [], 0.01)).toBe(1);
    // given no artifacts, the estimate is that of one
    expect(estimateSeconds(0, [], 3)).toBe(3);
    expect(estimateSeconds(0, [install(10, 1)], 3)).toBe(10);
  });

  it("counts an instant install as 0 s per artifact", () => {
    // given rates 0, 0 and 9 → median 0 → at least 1
    expect(estimateSeconds(4, [install(0, 2), install(0, 1), install(9, 1)], 3)).toBe(1);
  });

  it("ignores history without artifacts, with a finish before the request, or with unreadable times", () => {
    const unusable = [
      install(99, 0),
      install(-20, 2),
      install(-20, -1),
      { requestedAt: "not a time", finishedAt: requestedAt, artifactCount: 2 },
    ];
    expect(estimateSeconds(5, unusable, 3)).toBe(15);
    // and the usable one among them decides alone
    expect(estimateSeconds(5, [...unusable, install(2, 1)], 3)).toBe(10);
  });
});
