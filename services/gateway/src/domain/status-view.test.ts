import { exampleEvents } from "@installhub/shared/testing";
import { describe, expect, it } from "vitest";
import { type InstallState, reduceInstallStatus } from "./install-status.ts";
import { statusView } from "./status-view.ts";

const examples = exampleEvents({ installId: "mkt-install-b7c8d9", tenantId: "tenant-abc123" });
const requested = reduceInstallStatus(undefined, examples.InstallRequested);
/** The spec's five fields of the example install's success. */
const success = {
  status: "Success",
  importId: examples.InstallSucceeded.importId,
  artifactsInstalled: 5,
  conflictsResolved: 1,
  completedAt: "2026-05-25T10:31:00.000Z",
};

describe("statusView", () => {
  it("shows a stage without progress before the import starts", () => {
    expect(statusView(requested)).toEqual({ status: "InProgress", stage: "Queued" });
    // given a state that holds a count outside Installing, the count is still not shown
    const scanning: InstallState = {
      ...requested,
      stage: "SecurityScan",
      progress: { installed: 1, total: 5 },
    };
    expect(statusView(scanning)).toEqual({ status: "InProgress", stage: "SecurityScan" });
  });

  it("shows 'n of m artifacts installed' while Installing", () => {
    const state = reduceInstallStatus(requested, { ...examples.ArtifactInstalled, index: 2, total: 7 });
    expect(statusView(state)).toEqual({
      status: "InProgress",
      stage: "Installing",
      progress: "2 of 7 artifacts installed",
    });
  });

  it("gives a real install's success exactly the spec's five fields", () => {
    const state = reduceInstallStatus(requested, examples.InstallSucceeded);
    expect(statusView(state)).toStrictEqual(success);
  });

  it("adds dryRun and the plan to a dry run's success, an empty plan when none was sent", () => {
    const state = reduceInstallStatus(requested, { ...examples.InstallSucceeded, dryRun: true });
    expect(statusView(state)).toStrictEqual({ ...success, dryRun: true, plan: [] });
  });

  it("shows a failure's stage, error, message and whether it was rolled back, and nothing else", () => {
    const installing = reduceInstallStatus(requested, { ...examples.ArtifactInstalled, index: 2, total: 5 });
    const state = reduceInstallStatus(installing, {
      ...examples.InstallFailed,
      stage: "Installing",
      error: "ImportFailed",
      message: "artifact store refused",
      rolledBack: false,
    });
    expect(statusView(state)).toStrictEqual({
      status: "Failed",
      stage: "Installing",
      error: "ImportFailed",
      message: "artifact store refused",
      rolledBack: false,
    });
  });
});
