import type { ManifestArtifact } from "@installhub/shared";
import { describe, expect, it } from "vitest";
import { planImport, renameOf } from "./plan.ts";
import type { TenantArtifact } from "./tenant-artifact.ts";

const artifact = (key: string): ManifestArtifact => ({
  key,
  type: "workflow",
  name: `Name ${key}`,
  file: `${key}.json`,
});
const existing = (key: string): TenantArtifact => ({
  tenantId: "t",
  key,
  type: "workflow",
  name: `Existing ${key}`,
  content: "{}",
  sha256: "0".repeat(64),
  versionId: `v-${key}`,
  source: null,
  updatedAt: "2026-01-01T00:00:00.000Z",
});

function plan(keys: string[], inTenant: string[], conflict: Parameters<typeof planImport>[0]["conflict"]) {
  return planImport({
    importId: "imp-1",
    artifacts: keys.map(artifact),
    conflict,
    existing: new Map(inTenant.filter((key) => keys.includes(key)).map((key) => [key, existing(key)])),
    tenantKeys: new Set(inTenant),
  });
}

describe("planImport", () => {
  it("creates what is new and applies the default strategy to conflicts, overrides winning", () => {
    const steps = plan(["a", "b", "c", "d", "e"], ["b", "c", "d", "e"], {
      defaultStrategy: "Skip",
      overrides: { c: "Overwrite", d: "Rename", e: "Fail" },
    });
    expect(steps.map((step) => [step.key, step.action, step.resultingKey, step.afterVersionId])).toEqual([
      ["a", "Created", "a", "imp-1/1"],
      ["b", "Skipped", "b", null],
      ["c", "Overwritten", "c", "imp-1/3"],
      ["d", "Renamed", "d-2", "imp-1/4"],
      ["e", "Fail", "e", null],
    ]);
    expect(steps[2]?.before?.versionId).toBe("v-c");
    expect(steps[3]?.before).toBeNull();
    expect(steps.map((step) => step.conflict)).toEqual([false, true, true, true, true]);
  });

  it("renames to the first key free in the tenant and in the import, and numbers the name", () => {
    const steps = plan(["report", "report-3"], ["report", "report-2"], {
      defaultStrategy: "Rename",
      overrides: {},
    });
    expect(steps[0]).toMatchObject({
      action: "Renamed",
      resultingKey: "report-4",
      resultingName: "Name report (4)",
    });
    expect(steps[1]).toMatchObject({ action: "Created", resultingKey: "report-3" });
  });

  it("never gives two renamed artifacts of one import the same key", () => {
    const taken = new Set(["x", "x-2"]);
    const first = renameOf({ key: "x", name: "X" }, taken);
    taken.add(first.key);
    expect([first.key, renameOf({ key: "x", name: "X" }, taken).key]).toEqual(["x-3", "x-4"]);
  });
});
