import { describe, expect, it } from "vitest";
import { finding, verdictOf } from "./findings.ts";

describe("verdictOf", () => {
  it("is PASS without findings, WARN with a warning, FAIL with any critical", () => {
    const info = finding("x.info", "info", "a", "note");
    const warning = finding("x.warn", "warning", "a", "careful");
    const critical = finding("x.crit", "critical", "a", "bad");
    expect(verdictOf([])).toBe("PASS");
    expect(verdictOf([info])).toBe("PASS");
    expect(verdictOf([info, warning])).toBe("WARN");
    expect(verdictOf([warning, critical, info])).toBe("FAIL");
  });
});
