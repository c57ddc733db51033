import { describe, expect, it } from "vitest";
import { jsonProblems } from "./strict-json.ts";

describe("jsonProblems", () => {
  it("finds nothing in a clean body", () => {
    expect(
      jsonProblems('{"targetTenantId":"t","conflictStrategies":{"a.b":"Skip"},"list":[1,{"x":2}]}'),
    ).toEqual([]);
  });

  it("names every duplicate key, at any depth (RFC 7493 §2.3)", () => {
    expect(
      jsonProblems('{"dryRun":true,"dryRun":false,"a":[{"b":1,"b":2}],"c":{"d":{"e":1,"e":1}}}'),
    ).toEqual([
      { field: "dryRun", message: expect.stringContaining("duplicate key") },
      { field: "a.0.b", message: expect.stringContaining("duplicate key") },
      { field: "c.d.e", message: expect.stringContaining("duplicate key") },
    ]);
  });

  it.each(["__proto__", "constructor", "prototype"])("names the reserved key %s", (key) => {
    expect(jsonProblems(`{"conflictStrategies":{"${key}":"Skip"}}`)).toEqual([
      { field: `conflictStrategies.${key}`, message: `'${key}' is a reserved name` },
    ]);
  });

  it("names strings and keys that are not well-formed Unicode (RFC 7493 §2.1)", () => {
    expect(jsonProblems('{"a":"\\ud800","\\udc00":1}')).toEqual([
      { field: "a", message: "not well-formed Unicode" },
      { field: "\udc00", message: "key is not well-formed Unicode" },
    ]);
  });

  it("leaves text that is not JSON to the body validator", () => {
    expect(jsonProblems("{not json")).toBeUndefined();
    expect(jsonProblems("")).toBeUndefined();
  });
});
