import { uniqueId } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Harness,
  installOf,
  isTerminal,
  ofType,
  startHarnessWithInstaller,
  uninstallOf,
} from "./harness.ts";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarnessWithInstaller("installer-lifecycle");
});

afterAll(async () => {
  await harness?.close();
});

const expense = () => harness.packageNamed("acme-expense-approvals");

const versions = async (tenantId: string) =>
  (await harness.snapshot(tenantId)).map((artifact) => [artifact.key, artifact.versionId]);

describe("installer: upgrade", () => {
  it("updates its own artifacts, leaves identical ones, creates new ones, removes a dropped one and keeps one the tenant changed", async () => {
    const tenantId = uniqueId("tenant");
    const old = await harness.installedExpense21(tenantId);
    const edited = await harness.edit(tenantId, "travel-report");

    const upgrade = installOf(expense(), { tenantId, version: "3.0.0" });
    await harness.publishInstall(upgrade);
    const events = await harness.outcomeOf(upgrade);

    const mine = (index: number) => `${upgrade.importId}/${index}`;
    const before = (index: number) => `${old.importId}/${index}`;
    expect(events[0]).toMatchObject({
      type: "ImportStarted",
      operation: "Upgrade",
      fromVersion: "2.1.0",
      total: 7,
    });
    expect(ofType(events, "ArtifactInstalled").map((event) => [event.key, event.action])).toEqual([
      ["expense-approval", "Updated"],
      ["expense-policy", "Unchanged"],
      ["receipt-reminder", "Updated"],
      ["expense-dashboard", "Unchanged"],
      ["mileage-claims", "Created"],
      ["legacy-export", "Removed"],
      ["travel-report", "Kept"],
    ]);
    const owned = [
      { key: "expense-approval", resultingKey: "expense-approval", versionId: mine(1) },
      { key: "expense-policy", resultingKey: "expense-policy", versionId: before(2) },
      { key: "receipt-reminder", resultingKey: "receipt-reminder", versionId: mine(3) },
      { key: "expense-dashboard", resultingKey: "expense-dashboard", versionId: before(4) },
      { key: "mileage-claims", resultingKey: "mileage-claims", versionId: mine(5) },
    ];
    expect(events.at(-1)).toMatchObject({
      type: "InstallSucceeded",
      operation: "Upgrade",
      fromVersion: "2.1.0",
      artifactsInstalled: 3,
      conflictsResolved: 0,
      artifacts: owned,
    });
    expect(await versions(tenantId)).toEqual([
      ["expense-approval", mine(1)],
      ["expense-dashboard", before(4)],
      ["expense-policy", before(2)],
      ["mileage-claims", mine(5)],
      ["receipt-reminder", mine(3)],
      ["travel-report", edited],
    ]);
    expect(await harness.installed(tenantId, "acme-expense-approvals")).toMatchObject({
      state: "Installed",
      version: "3.0.0",
      importId: upgrade.importId,
      artifacts: owned,
      revision: 2,
    });
    expect(await harness.record(upgrade.importId)).toMatchObject({
      status: "Success",
      operation: "Upgrade",
      fromVersion: "2.1.0",
      artifactsInstalled: 3,
    });
  });

  it("treats its own artifact the tenant changed since install as a conflict the strategy decides", async () => {
    const tenantId = uniqueId("tenant");
    await harness.installedExpense21(tenantId);
    const edited = await harness.edit(tenantId, "receipt-reminder");
    const upgrade = installOf(expense(), {
      tenantId,
      version: "3.0.0",
      overrides: { "receipt-reminder": "Overwrite" },
    });
    await harness.publishInstall(upgrade);
    const events = await harness.outcomeOf(upgrade);
    expect(ofType(events, "ArtifactInstalled")[2]).toMatchObject({
      key: "receipt-reminder",
      action: "Overwritten",
    });
    expect(events.at(-1)).toMatchObject({ type: "InstallSucceeded", conflictsResolved: 1 });
    const record = await harness.record(upgrade.importId);
    expect(record?.artifacts[2]).toMatchObject({ action: "Overwritten", beforeVersionId: edited });
  });

  it("plans a dry run of an upgrade as Created / Updated / Unchanged / Removed / Kept and changes nothing", async () => {
    const tenantId = uniqueId("tenant");
    await harness.installedExpense21(tenantId);
    await harness.edit(tenantId, "travel-report");
    const before = await harness.snapshot(tenantId);
    const dryRun = installOf(expense(), { tenantId, version: "3.0.0", dryRun: true });
    await harness.publishInstall(dryRun);
    const events = await harness.outcomeOf(dryRun);
    const success = ofType(events, "InstallSucceeded")[0]!;
    expect(success.plan?.map((step) => `${step.key}:${step.action}`)).toEqual([
      "expense-approval:Updated",
      "expense-policy:Unchanged",
      "receipt-reminder:Updated",
      "expense-dashboard:Unchanged",
      "mileage-claims:Created",
      "legacy-export:Removed",
      "travel-report:Kept",
    ]);
    expect(success).toMatchObject({ dryRun: true, operation: "Upgrade", fromVersion: "2.1.0" });
    expect(success).not.toHaveProperty("artifacts");
    expect(await harness.snapshot(tenantId)).toEqual(before);
    expect(await harness.installed(tenantId, "acme-expense-approvals")).toMatchObject({ version: "2.1.0" });
  });

  it("refuses a downgrade with DowngradeNotAllowed unless allowDowngrade, and then restores the older version's artifacts", async () => {
    const tenantId = uniqueId("tenant");
    const first = installOf(expense(), { tenantId, version: "3.0.0" });
    await harness.publishInstall(first);
    await harness.outcomeOf(first);
    const before = await harness.snapshot(tenantId);

    const refused = installOf(expense(), { tenantId, version: "2.1.0" });
    await harness.publishInstall(refused);
    expect((await harness.outcomeOf(refused)).filter(isTerminal)).toMatchObject([
      {
        type: "InstallFailed",
        error: "DowngradeNotAllowed",
        operation: "Downgrade",
        fromVersion: "3.0.0",
        rolledBack: true,
      },
    ]);
    expect(await harness.snapshot(tenantId)).toEqual(before);

    const allowed = installOf(expense(), { tenantId, version: "2.1.0", allowDowngrade: true });
    await harness.publishInstall(allowed);
    const events = await harness.outcomeOf(allowed);
    expect(events.at(-1)).toMatchObject({
      type: "InstallSucceeded",
      operation: "Downgrade",
      fromVersion: "3.0.0",
    });
    expect((await harness.snapshot(tenantId)).map((artifact) => artifact.key)).toEqual([
      "expense-approval",
      "expense-dashboard",
      "expense-policy",
      "legacy-export",
      "receipt-reminder",
      "travel-report",
    ]);
  });

  it("rolls a failed upgrade back to the previous version exactly", async () => {
    const tenantId = uniqueId("tenant");
    const { before, recordBefore } = await harness.editedExpense21(tenantId, "receipt-reminder");
    const upgrade = installOf(expense(), {
      tenantId,
      version: "3.0.0",
      overrides: { "receipt-reminder": "Fail" },
    });
    await harness.publishInstall(upgrade);
    const events = await harness.outcomeOf(upgrade);
    expect(events.at(-1)).toMatchObject({ type: "InstallFailed", error: "ConflictFailed", rolledBack: true });
    expect(ofType(events, "ArtifactInstalled").map((event) => event.action)).toEqual([
      "Updated",
      "Unchanged",
    ]);
    expect(await harness.snapshot(tenantId)).toEqual(before);
    expect(await harness.installed(tenantId, "acme-expense-approvals")).toEqual(recordBefore);
  });
});

describe("installer: uninstall", () => {
  it("removes what the package owns, keeps what the tenant changed, and says so", async () => {
    const tenantId = uniqueId("tenant");
    await harness.installedExpense21(tenantId);
    const edited = await harness.edit(tenantId, "expense-dashboard");
    const uninstall = uninstallOf(expense(), { tenantId, version: "2.1.0" });
    await harness.bus.publisher.publish(uninstall.requested);
    const events = await harness.outcomeOf(uninstall);

    expect(events[0]).toMatchObject({ type: "UninstallStarted", total: 5, kept: ["expense-dashboard"] });
    expect(ofType(events, "ArtifactRemoved").map((event) => [event.key, event.index, event.total])).toEqual([
      ["expense-approval", 1, 5],
      ["expense-policy", 2, 5],
      ["receipt-reminder", 3, 5],
      ["legacy-export", 4, 5],
      ["travel-report", 5, 5],
    ]);
    expect(events.at(-1)).toMatchObject({
      type: "UninstallSucceeded",
      version: "2.1.0",
      artifactsRemoved: 5,
      kept: ["expense-dashboard"],
    });
    expect(await versions(tenantId)).toEqual([["expense-dashboard", edited]]);
    expect(await harness.installed(tenantId, "acme-expense-approvals")).toMatchObject({
      state: "NotInstalled",
      version: null,
      artifacts: [],
      revision: 2,
    });
    expect((await harness.auditLog(uninstall.importId)).map((entry) => entry.action)).toEqual([
      "ImportStarted",
      ...Array(6).fill("ArtifactApplied"),
      "ImportSucceeded",
    ]);

    // Installing it again is a first install: the tenant's changed dashboard is someone else's now.
    const again = installOf(expense(), { tenantId, version: "3.0.0" });
    await harness.publishInstall(again);
    const reinstalled = await harness.outcomeOf(again);
    expect(reinstalled[0]).toMatchObject({ type: "ImportStarted", operation: "Install" });
    expect(ofType(reinstalled, "ArtifactInstalled")[3]).toMatchObject({
      key: "expense-dashboard",
      action: "Skipped",
    });
  });

  it("removes the tenant's changes too with force", async () => {
    const tenantId = uniqueId("tenant");
    await harness.installedExpense21(tenantId);
    await harness.edit(tenantId, "expense-dashboard");
    const uninstall = uninstallOf(expense(), { tenantId, force: true });
    await harness.bus.publisher.publish(uninstall.requested);
    expect((await harness.outcomeOf(uninstall)).at(-1)).toMatchObject({
      type: "UninstallSucceeded",
      artifactsRemoved: 6,
      kept: [],
    });
    expect(await harness.snapshot(tenantId)).toEqual([]);
  });

  it("fails with PackageNotInstalled, nothing rolled back, when the package is not installed", async () => {
    const tenantId = uniqueId("tenant");
    const uninstall = uninstallOf(expense(), { tenantId });
    await harness.bus.publisher.publish(uninstall.requested);
    expect(await harness.outcomeOf(uninstall)).toMatchObject([
      { type: "UninstallFailed", error: "PackageNotInstalled", stage: "Uninstalling", rolledBack: false },
    ]);
  });
});

describe("installer: a tenant's operations in the order they were accepted", () => {
  it("applies an upgrade and an uninstall submitted together one after the other, even though the upgrade waits for its scan", async () => {
    const tenantId = uniqueId("tenant");
    await harness.installedExpense21(tenantId);
    const upgrade = installOf(expense(), { tenantId, version: "3.0.0" });
    const uninstall = uninstallOf(expense(), { tenantId, version: "2.1.0" });
    // As on the topic: both requests, accepted one after the other; the upgrade's verdict comes later.
    await harness.bus.publisher.publish([upgrade.requested, uninstall.requested]);
    await harness.bus.publisher.publish(harness.verdictFor(upgrade));

    const upgraded = await harness.outcomeOf(upgrade);
    const uninstalled = await harness.outcomeOf(uninstall);
    expect(upgraded.at(-1)).toMatchObject({ type: "InstallSucceeded", operation: "Upgrade" });
    expect(uninstalled.at(-1)).toMatchObject({
      type: "UninstallSucceeded",
      version: "3.0.0",
      artifactsRemoved: 5,
    });
    expect(ofType(uninstalled, "ArtifactRemoved").map((event) => event.key)).toContain("mileage-claims");
    const order = harness.bus.events;
    expect(order.indexOf(upgraded.at(-1)!)).toBeLessThan(order.indexOf(uninstalled[0]!));
    expect(await harness.snapshot(tenantId)).toEqual([]);
    expect(await harness.installed(tenantId, "acme-expense-approvals")).toMatchObject({
      state: "NotInstalled",
      revision: 3,
    });
  });
});

describe("installer: cancel", () => {
  it("ends an install cancelled before its import started: InstallCancelled, nothing written, not rolled back", async () => {
    const tenantId = uniqueId("tenant");
    const install = installOf(expense(), { tenantId, version: "2.1.0" });
    await harness.bus.publisher.publish(install.requested);
    await harness.cancel(install);
    await harness.bus.publisher.publish(harness.verdictFor(install));
    const events = await harness.outcomeOf(install);
    expect(events).toMatchObject([
      {
        type: "InstallFailed",
        stage: "SecurityScan",
        error: "InstallCancelled",
        message: "Cancelled by canceller-1 before anything was changed",
        rolledBack: false,
      },
    ]);
    expect(await harness.snapshot(tenantId)).toEqual([]);
    expect(await harness.record(install.importId)).toMatchObject({
      status: "Failed",
      rolledBack: false,
      error: { code: "InstallCancelled" },
    });
  });
});
