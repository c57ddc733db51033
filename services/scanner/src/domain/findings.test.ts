import { describe, expect, it } from "vitest";
import { finding, verdictOf } from "./findings.ts";

describe("finding", () => {
  it("is a rule, a severity, a file and a message", () => {
    expect(finding("x.rule", "warning", "a.json", "careful")).toEqual({
      ruleId: "x.rule",
      severity: "warning",
      file: "a.json",
      message: "careful",
    });
  });
});

describe("verdictOf", () => {
  const info = finding("x.info", "info", "a", "note");
  const warning = finding("x.warn", "warning", "a", "careful");
  const critical = finding("x.crit", "critical", "a", "bad");

  it("is PASS without findings or with notes only", () => {
    expect(verdictOf([])).toBe("PASS");
    expect(verdictOf([info])).toBe("PASS");
  });

  it("is WARN with any warning and no critical finding, wherever it is in the list", () => {
    expect(verdictOf([warning, info])).toBe("WARN");
    expect(verdictOf([info, warning])).toBe("WARN");
  });

  it("is FAIL with any critical finding, wherever it is in the list", () => {
    expect(verdictOf([critical, warning])).toBe("FAIL");
    expect(verdictOf([warning, info, critical])).toBe("FAIL");
  });
});
