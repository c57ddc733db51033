import type { ManifestArtifact, OwnedArtifact } from "@installhub/shared";
import { describe, expect, it } from "vitest";
import { importJournal } from "../../test/journal-fixtures.ts";
import { type InstalledPackage, installOperationOf, ownedAfter, recordAfter } from "./installed-package.ts";
import { appliedButUnrecorded, countsOf, type ImportJournal, stepsToUndo } from "./journal.ts";
import { auditEntriesOf, importRecordOf } from "./journal-outputs.ts";
import { journalEvents } from "./lifecycle-events.ts";
import { cancelledFailure } from "./lifecycle-journal.ts";
import type { PlanStep } from "./plan.ts";
import type { TenantArtifact } from "./tenant-artifact.ts";
import { planUninstall } from "./uninstall-plan.ts";
import { planUpgrade } from "./upgrade-plan.ts";

const manifest = (key: string, name = `Name ${key}`): ManifestArtifact => ({
  key,
  type: "workflow",
  name,
  file: `${key}.json`,
});
const inTenant = (key: string, versionId: string, sha256 = `sha-${key}`, name = `Name ${key}`) =>
  [
    key,
    {
      tenantId: "t",
      key,
      type: "workflow",
      name,
      content: "{}",
      sha256,
      versionId,
      source: null,
      updatedAt: "2026-01-01T00:00:00.000Z",
    } satisfies TenantArtifact,
  ] as const;
const owned = (key: string, versionId = `imp-old/${key}`, resultingKey = key): OwnedArtifact => ({
  key,
  resultingKey,
  versionId,
});
const summary = (steps: PlanStep[]) =>
  steps.map((step) => [step.index, step.key, step.action, step.resultingKey, step.afterVersionId]);

describe("planUpgrade", () => {
  // 2.1.0 owns a..e; 3.0.0 has a (same content), b (new content), c (tenant changed it), f (new);
  // it dropped d (untouched) and e (tenant changed it).
  const input = (
    upgradeType: "Mixed" | "DeprecateOnly" | "Delete",
    strategy: "Skip" | "Overwrite" = "Skip",
  ) =>
    planUpgrade({
      importId: "imp-new",
      artifacts: ["a", "b", "c", "f"].map((key) => manifest(key)),
      conflict: { defaultStrategy: strategy, overrides: {} },
      existing: new Map([
        inTenant("a", "imp-old/a"),
        inTenant("b", "imp-old/b"),
        inTenant("c", "tenant-edit-c"),
        inTenant("d", "imp-old/d"),
        inTenant("e", "tenant-edit-e"),
      ]),
      tenantKeys: new Set(["a", "b", "c", "d", "e", "z"]),
      owned: ["a", "b", "c", "d", "e"].map((key) => owned(key)),
      contentSha256: new Map([
        ["a", "sha-a"],
        ["b", "sha-b-3.0.0"],
        ["c", "sha-c-3.0.0"],
        ["f", "sha-f"],
      ]),
      upgradeType,
    });

  it("updates the package's own artifacts, leaves identical ones, creates new ones, and (Mixed) removes untouched dropped ones but keeps changed ones", () => {
    const steps = input("Mixed");
    expect(summary(steps)).toEqual([
      [1, "a", "Unchanged", "a", null],
      [2, "b", "Updated", "b", "imp-new/2"],
      [3, "c", "Skipped", "c", null],
      [4, "f", "Created", "f", "imp-new/4"],
      [5, "d", "Removed", "d", null],
      [6, "e", "Kept", "e", null],
    ]);
    expect(steps.map((step) => step.conflict)).toEqual([false, false, true, false, false, false]);
    // A removal keeps the document it removes, to put it back on a rollback.
    expect(steps[4]!.before?.versionId).toBe("imp-old/d");
  });

  it("lets the conflict strategy decide an artifact the tenant changed since install", () => {
    const steps = input("Mixed", "Overwrite");
    expect(summary(steps)[2]).toEqual([3, "c", "Overwritten", "c", "imp-new/3"]);
    expect(steps[2]!.before?.versionId).toBe("tenant-edit-c");
  });

  it("keeps every dropped artifact with DeprecateOnly and removes every one with Delete", () => {
    expect(summary(input("DeprecateOnly")).slice(4)).toEqual([
      [5, "d", "Kept", "d", null],
      [6, "e", "Kept", "e", null],
    ]);
    expect(summary(input("Delete")).slice(4)).toEqual([
      [5, "d", "Removed", "d", null],
      [6, "e", "Removed", "e", null],
    ]);
  });

  it("updates an artifact where its install renamed it, and treats someone else's artifact at a new key as a conflict", () => {
    const steps = planUpgrade({
      importId: "imp-new",
      artifacts: [manifest("a", "A"), manifest("z", "Z")],
      conflict: { defaultStrategy: "Rename", overrides: {} },
      existing: new Map([
        inTenant("a", "tenant-own-a", "sha-x", "Tenant's A"),
        inTenant("a-2", "imp-old/1", "sha-old", "A (2)"),
        inTenant("z", "tenant-own-z"),
      ]),
      tenantKeys: new Set(["a", "a-2", "z"]),
      owned: [owned("a", "imp-old/1", "a-2")],
      contentSha256: new Map([
        ["a", "sha-new"],
        ["z", "sha-z"],
      ]),
      upgradeType: "Mixed",
    });
    expect(steps.map((step) => [step.key, step.action, step.resultingKey, step.resultingName])).toEqual([
      ["a", "Updated", "a-2", "A (2)"],
      ["z", "Renamed", "z-2", "Z (2)"],
    ]);
  });

  it("leaves out dropped artifacts that are gone already, and re-creates its own artifact the tenant deleted", () => {
    const steps = planUpgrade({
      importId: "imp-new",
      artifacts: [manifest("a")],
      conflict: { defaultStrategy: "Skip", overrides: {} },
      existing: new Map(),
      tenantKeys: new Set(),
      owned: [owned("a"), owned("gone")],
      contentSha256: new Map([["a", "sha-a"]]),
      upgradeType: "Delete",
    });
    expect(summary(steps)).toEqual([[1, "a", "Created", "a", "imp-new/1"]]);
  });
});

describe("planUninstall", () => {
  const existing = new Map([inTenant("a", "imp-old/a"), inTenant("b", "tenant-edit-b")]);
  const packageOwns = [owned("a"), owned("b"), owned("gone")];

  it("removes what is as the install wrote it and keeps what the tenant changed", () => {
    expect(summary(planUninstall({ owned: packageOwns, existing, force: false }))).toEqual([
      [1, "a", "Removed", "a", null],
      [2, "b", "Kept", "b", null],
    ]);
  });

  it("removes the tenant's changes too with force", () => {
    expect(planUninstall({ owned: packageOwns, existing, force: true }).map((step) => step.action)).toEqual([
      "Removed",
      "Removed",
    ]);
  });
});

describe("installOperationOf", () => {
  const record = (version: string, state: InstalledPackage["state"] = "Installed") =>
    ({ state, version }) as InstalledPackage;
  it("tells a first install, an upgrade, a downgrade and a reinstall apart by SemVer precedence", () => {
    expect(installOperationOf(null, "3.0.0")).toBe("Install");
    expect(installOperationOf(record("2.1.0", "NotInstalled"), "3.0.0")).toBe("Install");
    expect(installOperationOf(record("2.1.0"), "3.0.0")).toBe("Upgrade");
    expect(installOperationOf(record("2.10.0"), "2.9.0")).toBe("Downgrade");
    expect(installOperationOf(record("3.0.0-rc.1"), "3.0.0")).toBe("Upgrade");
    expect(installOperationOf(record("3.0.0"), "3.0.0")).toBe("Reinstall");
    expect(installOperationOf(record("2.1.0"), "2.1.0+build.7")).toBe("Reinstall");
  });
});

const step = (index: number, action: PlanStep["action"], extra: Partial<PlanStep> = {}): PlanStep => ({
  index,
  key: `k${index}`,
  type: "workflow",
  resultingKey: `k${index}`,
  resultingName: `K${index}`,
  action,
  conflict: false,
  before: null,
  afterVersionId: null,
  appliedAt: null,
  undoneAt: null,
  ...extra,
});
const before = (key: string, versionId: string) => inTenant(key, versionId)[1];
const installedBefore: InstalledPackage = {
  _id: "t\nacme",
  tenantId: "t",
  packageId: "acme",
  state: "Installed",
  version: "2.1.0",
  installId: "mkt-install-old",
  importId: "imp-old",
  installedAt: "t-1",
  installedBy: { userId: "u", email: "u@example.test" },
  artifacts: [owned("k1"), owned("k2"), owned("k3"), owned("k4")],
  lastImportId: "imp-old",
  revision: 4,
};
/** Import `imp-new` upgrading tenant `t`'s acme from 2.1.0 (`installedBefore`) to 3.0.0. */
const journal = (steps: PlanStep[] | null, extra: Partial<ImportJournal> = {}): ImportJournal =>
  importJournal(steps, {
    _id: "imp-new",
    installId: "mkt-install-new",
    tenantId: "t",
    version: "3.0.0",
    operation: "Upgrade",
    installedBefore,
    ...extra,
  });

describe("an upgrade's journal", () => {
  const upgrade = journal(
    [
      step(1, "Updated", {
        before: before("k1", "imp-old/k1"),
        afterVersionId: "imp-new/1",
        appliedAt: "t1",
      }),
      step(2, "Unchanged", { before: before("k2", "imp-old/k2"), appliedAt: "t1" }),
      step(3, "Created", { afterVersionId: "imp-new/3", appliedAt: "t1" }),
      step(4, "Removed", { before: before("k4", "imp-old/k4"), appliedAt: "t1" }),
      step(5, "Kept", { before: before("k5", "tenant-edit"), appliedAt: "t1" }),
    ],
    { outcome: { status: "Success", completedAt: "t2" } },
  );

  it("counts what it wrote, undoes removals too, and owns what it wrote or kept unchanged", () => {
    expect(countsOf(upgrade)).toEqual({ artifactsInstalled: 2, conflictsResolved: 0 });
    expect(stepsToUndo(upgrade).map((s) => s.index)).toEqual([4, 3, 1]);
    expect(ownedAfter(upgrade)).toEqual([
      { key: "k1", resultingKey: "k1", versionId: "imp-new/1" },
      { key: "k2", resultingKey: "k2", versionId: "imp-old/k2" },
      { key: "k3", resultingKey: "k3", versionId: "imp-new/3" },
    ]);
    expect(recordAfter(upgrade)).toMatchObject({
      state: "Installed",
      version: "3.0.0",
      importId: "imp-new",
      installedAt: "t2",
      revision: 5,
      lastImportId: "imp-new",
    });
  });

  it("recognises a removal a stopped run applied without recording it: the artifact is gone", () => {
    const stopped = journal([
      step(1, "Removed", { before: before("k1", "v1") }),
      step(2, "Removed", { before: before("k2", "v2") }),
      step(3, "Updated", { before: before("k3", "v3"), afterVersionId: "imp-new/3" }),
    ]);
    expect(
      appliedButUnrecorded(
        stopped,
        new Map([
          ["k2", "v2"],
          ["k3", "imp-new/3"],
        ]),
      ),
    ).toEqual([1, 3]);
  });

  it("says what it is in its events, its record and its audit log", () => {
    const events = journalEvents(upgrade);
    expect(events.map((event) => event.type)).toEqual([
      "ImportStarted",
      ...Array(5).fill("ArtifactInstalled"),
      "InstallSucceeded",
    ]);
    expect(events[0]).toMatchObject({ operation: "Upgrade", fromVersion: "2.1.0" });
    expect(events.at(-1)).toMatchObject({
      type: "InstallSucceeded",
      operation: "Upgrade",
      fromVersion: "2.1.0",
      artifactsInstalled: 2,
      artifacts: ownedAfter(upgrade),
    });
    expect(importRecordOf(upgrade)).toMatchObject({ operation: "Upgrade", fromVersion: "2.1.0" });
    expect(
      importRecordOf(upgrade).artifacts.map((a) => [a.action, a.beforeVersionId, a.afterVersionId]),
    ).toEqual([
      ["Updated", "imp-old/k1", "imp-new/1"],
      ["Unchanged", "imp-old/k2", "imp-old/k2"],
      ["Created", null, "imp-new/3"],
      ["Removed", "imp-old/k4", null],
      ["Kept", "tenant-edit", "tenant-edit"],
    ]);
    expect(auditEntriesOf(upgrade)[0]!.message).toBe("Upgrade of acme from 2.1.0 to 3.0.0: 5 artifacts");
  });

  it("projects a journal from before lifecycles exactly as before", () => {
    const { operation: _operation, installedBefore: _installed, ...old } = upgrade;
    const events = journalEvents(old);
    expect(events[0]).not.toHaveProperty("operation");
    expect(events.at(-1)).not.toHaveProperty("artifacts");
    expect(auditEntriesOf(old)[0]!.message).toBe("Import of acme@3.0.0: 5 artifacts");
  });

  it("reports a cancel before the import started as not rolled back, and one during it as rolled back", () => {
    const cancel = {
      type: "InstallCancelRequested" as const,
      installId: "mkt-install-new",
      tenantId: "t",
      packageId: "acme",
      version: "3.0.0",
      occurredAt: "t0",
      requestedBy: { userId: "boss", email: "boss@example.test" },
    };
    const outcome = { status: "Failed" as const, completedAt: "t3" };
    const early = journal(null, {
      failure: cancelledFailure(cancel, "t1", { stage: "SecurityScan" }),
      outcome,
    });
    expect(journalEvents(early).at(-1)).toMatchObject({
      type: "InstallFailed",
      stage: "SecurityScan",
      error: "InstallCancelled",
      rolledBack: false,
    });
    expect(importRecordOf(early).rolledBack).toBe(false);
    const late = { ...upgrade, failure: cancelledFailure(cancel, "t1", undefined), outcome };
    expect(journalEvents(late).at(-1)).toMatchObject({
      type: "InstallFailed",
      stage: "Installing",
      error: "InstallCancelled",
      rolledBack: true,
    });
  });
});

describe("an uninstall's journal", () => {
  const uninstall = journal(
    [
      step(1, "Removed", { before: before("k1", "imp-old/k1"), appliedAt: "t1" }),
      step(2, "Kept", { before: before("k2", "tenant-edit"), appliedAt: "t1" }),
      step(3, "Removed", { before: before("k3", "imp-old/k3"), appliedAt: null }),
    ],
    { operation: "Uninstall", version: "2.1.0" },
  );

  it("emits k of n removals as they are applied, then the outcome with what it kept", () => {
    expect(journalEvents(uninstall)).toMatchObject([
      { type: "UninstallStarted", total: 2, kept: ["k2"] },
      { type: "ArtifactRemoved", key: "k1", index: 1, total: 2 },
    ]);
    const done = {
      ...uninstall,
      steps: uninstall.steps!.map((s) => ({ ...s, appliedAt: "t1" })),
      outcome: { status: "Success" as const, completedAt: "t2" },
    };
    expect(journalEvents(done).slice(2)).toMatchObject([
      { type: "ArtifactRemoved", key: "k3", index: 2, total: 2 },
      { type: "UninstallSucceeded", artifactsRemoved: 2, kept: ["k2"], completedAt: "t2" },
    ]);
    expect(recordAfter(done)).toMatchObject({
      state: "NotInstalled",
      version: null,
      artifacts: [],
      revision: 5,
    });
    expect(auditEntriesOf(done)[0]!.message).toBe("Uninstall of acme@2.1.0: 3 artifacts");
  });
});
