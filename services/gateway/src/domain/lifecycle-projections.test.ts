import type { InstallEvent, InstallEventOf } from "@installhub/shared";
import { exampleEvents } from "@installhub/shared/testing";
import { describe, expect, it } from "vitest";
import { at, shuffled } from "../../test/event-order.ts";
import { type InstallState, reduceInstallStatus } from "./install-status.ts";
import { type InstalledPackageState, reduceInstalledPackage } from "./installed-packages.ts";
import { historyRows, type OperationHistory, reduceHistory } from "./package-history.ts";
import { statusView } from "./status-view.ts";

const tenantId = "tenant-abc123";
const user = { userId: "user-1", email: "admin@tenant-abc123.example" };
const artifacts = (importId: string, keys: string[]) =>
  keys.map((key, i) => ({ key, resultingKey: key, versionId: `${importId}/${i + 1}` }));

function installStream(installId: string, version: string, extra: { fromVersion?: string } = {}) {
  const importId = `imp-${installId.slice(-4)}`;
  const e = exampleEvents({ installId, tenantId, importId });
  const operation = extra.fromVersion ? ("Upgrade" as const) : ("Install" as const);
  const lifecycle = { operation, ...extra };
  return [
    { ...e.InstallRequested, version, occurredAt: at(0) },
    { ...e.ImportStarted, version, occurredAt: at(2), ...lifecycle },
    {
      ...e.InstallSucceeded,
      version,
      occurredAt: at(5),
      completedAt: at(5),
      ...lifecycle,
      artifacts: artifacts(importId, ["a", "b"]),
      requestedBy: user,
    },
  ] as InstallEvent[];
}

function uninstallStream(installId: string, version: string) {
  const e = exampleEvents({ installId, tenantId, importId: "imp-un" });
  return {
    requested: {
      ...e.UninstallRequested,
      version,
      occurredAt: at(10),
    } as InstallEventOf<"UninstallRequested">,
    started: { ...e.UninstallStarted, version, occurredAt: at(11), total: 2, kept: [] },
    removed: [1, 2].map((index) => ({
      ...e.ArtifactRemoved,
      version,
      index,
      total: 2,
      occurredAt: at(11 + index),
    })),
    succeeded: {
      ...e.UninstallSucceeded,
      version,
      occurredAt: at(14),
      completedAt: at(14),
      artifactsRemoved: 2,
      kept: [],
    },
    failed: { ...e.UninstallFailed, version, occurredAt: at(14) },
    cancel: { ...e.InstallCancelRequested, version, occurredAt: at(12) },
  };
}

const installed = (events: InstallEvent[]) =>
  events.reduce<InstalledPackageState | undefined>(reduceInstalledPackage, undefined);

describe("reduceInstalledPackage", () => {
  it("installs, upgrades (Upgrading meanwhile) and uninstalls (Uninstalling meanwhile), in partition order", () => {
    const first = installStream("mkt-install-0001", "2.1.0");
    expect(installed(first)).toMatchObject({
      state: "Installed",
      version: "2.1.0",
      installedAt: at(5),
      installedBy: user,
      installId: "mkt-install-0001",
      artifacts: artifacts("imp-0001", ["a", "b"]),
    });
    const upgrade = installStream("mkt-install-0002", "3.0.0", { fromVersion: "2.1.0" });
    expect(installed([...first, ...upgrade.slice(0, 2)])).toMatchObject({
      state: "Upgrading",
      version: "2.1.0",
      pending: { installId: "mkt-install-0002", operation: "Upgrade", version: "3.0.0" },
    });
    const afterUpgrade = [...first, ...upgrade];
    expect(installed(afterUpgrade)).toMatchObject({ state: "Installed", version: "3.0.0", pending: null });
    const un = uninstallStream("mkt-install-0003", "3.0.0");
    expect(installed([...afterUpgrade, un.requested, un.started])).toMatchObject({ state: "Uninstalling" });
    expect(installed([...afterUpgrade, un.requested, un.started, un.succeeded])).toMatchObject({
      state: "NotInstalled",
      version: null,
      artifacts: [],
    });
    expect(installed([...afterUpgrade, un.requested, un.started, un.failed])).toMatchObject({
      state: "Installed",
      version: "3.0.0",
      pending: null,
    });
  });

  it("ignores dry runs, fresh installs in progress, and failures of other operations", () => {
    const dry = installStream("mkt-install-0004", "2.1.0").map((event) =>
      "dryRun" in event ? { ...event, dryRun: true } : event,
    );
    expect(installed(dry)).toBeUndefined();
    const first = installStream("mkt-install-0001", "2.1.0");
    const state = installed(first)!;
    const otherFailure = exampleEvents({ installId: "mkt-install-9999", tenantId }).InstallFailed;
    expect(reduceInstalledPackage(state, otherFailure)).toBe(state);
    // An install from before lifecycles does not say what it owns: not shown as installed.
    const { artifacts: _artifacts, ...old } = first[2] as InstallEventOf<"InstallSucceeded">;
    expect(reduceInstalledPackage(undefined, old)).toBeUndefined();
  });
});

const history = (events: InstallEvent[]) =>
  events.reduce<OperationHistory | undefined>(reduceHistory, undefined);

describe("reduceHistory", () => {
  it("gives every order and repetition of an upgrade's events the same entry", () => {
    const events = installStream("mkt-install-0002", "3.0.0", { fromVersion: "2.1.0" });
    const expected = history(events);
    expect(historyRows(expected!)).toEqual([
      {
        entryId: "mkt-install-0002",
        installId: "mkt-install-0002",
        operation: "Upgrade",
        fromVersion: "2.1.0",
        toVersion: "3.0.0",
        requestedBy: "user-1",
        requestedAt: at(0),
        outcome: "Success",
        error: null,
        importId: "imp-0002",
        completedAt: at(5),
      },
    ]);
    for (let seed = 1; seed <= 20; seed++) {
      expect(history(shuffled([...events, ...events], seed))).toEqual(expected);
    }
  });

  it("folds an uninstall and its cancel: the cancel row says whether it took effect", () => {
    const un = uninstallStream("mkt-install-0003", "3.0.0");
    const cancelled = { ...un.failed, error: "InstallCancelled" };
    const events = [{ ...un.requested, version: "2.1.0" }, un.started, un.removed[0]!, un.cancel, cancelled];
    const expected = history(events)!;
    for (let seed = 1; seed <= 20; seed++) expect(history(shuffled(events, seed))).toEqual(expected);
    expect(
      historyRows(expected).map((row) => [
        row.entryId,
        row.operation,
        row.fromVersion,
        row.outcome,
        row.error,
      ]),
    ).toEqual([
      ["mkt-install-0003", "Uninstall", "3.0.0", "Failed", "InstallCancelled"],
      ["mkt-install-0003:cancel", "Cancel", "3.0.0", "Success", null],
    ]);
    const tooLate = history([un.requested, un.started, un.cancel, un.succeeded])!;
    expect(historyRows(tooLate)[1]).toMatchObject({ outcome: "Failed", error: "InstallAlreadyFinished" });
    const pending = history([un.requested, un.cancel])!;
    expect(historyRows(pending)[1]).toMatchObject({ outcome: "InProgress", completedAt: null });
  });
});

describe("the status of an uninstall", () => {
  it("reads Queued, Uninstalling k of n removed, then Success with what was removed and kept", () => {
    const un = uninstallStream("mkt-install-0003", "3.0.0");
    const stream: InstallEvent[] = [
      un.requested,
      un.started,
      ...un.removed,
      { ...un.succeeded, kept: ["x"] },
    ];
    const views = stream.map((_, n) =>
      statusView(stream.slice(0, n + 1).reduce<InstallState | undefined>(reduceInstallStatus, undefined)!),
    );
    expect(views).toEqual([
      { status: "InProgress", stage: "Queued" },
      { status: "InProgress", stage: "Uninstalling", progress: "0 of 2 artifacts removed" },
      { status: "InProgress", stage: "Uninstalling", progress: "1 of 2 artifacts removed" },
      { status: "InProgress", stage: "Uninstalling", progress: "2 of 2 artifacts removed" },
      { status: "Success", importId: "imp-un", artifactsRemoved: 2, kept: ["x"], completedAt: at(14) },
    ]);
  });
});
