import { describe, expect, it } from "vitest";
import { artifactKeyPattern, artifactKeyRule, manifestFileName, PackageManifest } from "./manifest.ts";

const artifact = {
  key: "invoice-approval",
  type: "workflow",
  name: "Invoice approval",
  file: "artifacts/a.json",
};
const manifest = { id: "acme", name: "ACME", version: "1.0.0", publisher: "acme", artifacts: [artifact] };
const problems = (value: unknown) => {
  const result = PackageManifest.safeParse(value);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};

describe("PackageManifest", () => {
  it("reads manifest.json with an optional description and every artifact type", () => {
    expect(manifestFileName).toBe("manifest.json");
    expect(problems(manifest)).toEqual([]);
    expect(problems({ ...manifest, description: "Invoices" })).toEqual([]);
    for (const type of ["workflow", "dashboard", "report", "widget", "script", "template"]) {
      expect(problems({ ...manifest, artifacts: [{ ...artifact, type }] }), type).toEqual([]);
    }
  });

  it("refuses empty fields, unknown members, no artifacts and unknown types", () => {
    for (const field of ["id", "name", "version", "publisher"]) {
      expect(problems({ ...manifest, [field]: "" }), field).toHaveLength(1);
    }
    expect(problems({ ...manifest, extra: 1 })).toHaveLength(1);
    expect(problems({ ...manifest, artifacts: [] })).toHaveLength(1);
    expect(problems({ ...manifest, artifacts: [{ ...artifact, type: "plugin" }] })).toHaveLength(1);
    expect(problems({ ...manifest, artifacts: [{ ...artifact, extra: 1 }] })).toHaveLength(1);
    expect(problems({ ...manifest, artifacts: [{ ...artifact, name: "" }] })).toHaveLength(1);
    expect(problems({ ...manifest, artifacts: [{ ...artifact, name: "n".repeat(201) }] })).toHaveLength(1);
    expect(problems({ ...manifest, artifacts: [{ ...artifact, name: "n".repeat(200) }] })).toEqual([]);
    expect(problems({ ...manifest, artifacts: [{ ...artifact, file: "" }] })).toHaveLength(1);
  });

  it("holds artifact keys to the key grammar, naming it when refused", () => {
    for (const key of ["a", "0", "a.b_c-d", `a${"b".repeat(127)}`]) {
      expect(artifactKeyPattern.test(key), key).toBe(true);
    }
    for (const key of ["", "A", "-a", ".a", "_a", "a$", "a b", "__proto__", `a${"b".repeat(128)}`, "é"]) {
      expect(artifactKeyPattern.test(key), key).toBe(false);
    }
    expect(problems({ ...manifest, artifacts: [{ ...artifact, key: "Bad" }] })).toEqual([
      `artifacts.0.key: ${artifactKeyRule}`,
    ]);
    expect(artifactKeyRule).toBe(
      "1–128 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit",
    );
  });
});
