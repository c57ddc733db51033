import { describe, expect, it } from "vitest";
import { estimateSeconds } from "./estimate.ts";

const install = (seconds: number, artifactCount: number) => ({
  requestedAt: "2026-05-25T10:30:00.000Z",
  finishedAt: new Date(Date.parse("2026-05-25T10:30:00.000Z") + seconds * 1000).toISOString(),
  artifactCount,
});

describe("estimateSeconds", () => {
  it("uses 3 s per artifact without history (the spec's 15 s for 5 artifacts)", () => {
    expect(estimateSeconds(5, [])).toBe(15);
  });

  it("multiplies the median seconds per artifact by the artifact count", () => {
    // per artifact: 1, 2, 10 → median 2
    expect(estimateSeconds(4, [install(5, 5), install(20, 10), install(30, 3)])).toBe(8);
  });

  it("rounds up, is at least 1, and ignores installs without artifacts", () => {
    expect(estimateSeconds(3, [install(1, 4), install(99, 0)])).toBe(1);
    expect(estimateSeconds(0, [])).toBe(3);
  });
});
