import type { InstallEvent } from "@installhub/shared";
import { exampleEvents } from "@installhub/shared/testing";
import { describe, expect, it } from "vitest";
import { at, shuffled } from "../../test/event-order.ts";
import { type InstallState, reduceInstallStatus, stateChanged } from "./install-status.ts";
import { statusView } from "./status-view.ts";

const ids = { installId: "mkt-install-b7c8d9", tenantId: "tenant-abc123" };
const examples = exampleEvents(ids);

const artifact = (index: number): InstallEvent => ({
  ...examples.ArtifactInstalled,
  index,
  occurredAt: at(10 + index),
});

/** A successful install's whole stream, in the order the pipeline emits it. */
const successStream: InstallEvent[] = [
  { ...examples.InstallRequested, occurredAt: at(0) },
  { ...examples.SecurityScanStarted, phase: "Downloading", occurredAt: at(1) },
  { ...examples.SecurityScanStarted, phase: "Scanning", occurredAt: at(2) },
  { ...examples.SecurityScanCompleted, occurredAt: at(3) },
  { ...examples.ImportStarted, occurredAt: at(4) },
  artifact(1),
  artifact(2),
  artifact(3),
  artifact(4),
  artifact(5),
  { ...examples.InstallSucceeded, occurredAt: at(20) },
  { ...examples.NotificationDelivered, occurredAt: at(21) },
];

const fold = (events: InstallEvent[]) =>
  events.reduce<InstallState | undefined>(reduceInstallStatus, undefined);

describe("reduceInstallStatus", () => {
  it("walks the stages in order and ends in the spec's success shape", () => {
    const views = successStream.map((_, n) => statusView(fold(successStream.slice(0, n + 1))!));
    expect(views[0]).toEqual({ status: "InProgress", stage: "Queued" });
    expect(views[1]).toEqual({ status: "InProgress", stage: "Downloading" });
    expect(views[2]).toEqual({ status: "InProgress", stage: "SecurityScan" });
    expect(views[4]).toEqual({
      status: "InProgress",
      stage: "Installing",
      progress: "0 of 5 artifacts installed",
    });
    expect(views[7]).toEqual({
      status: "InProgress",
      stage: "Installing",
      progress: "3 of 5 artifacts installed",
    });
    expect(views.at(-1)).toEqual({
      status: "Success",
      importId: examples.InstallSucceeded.importId,
      artifactsInstalled: 5,
      conflictsResolved: 1,
      completedAt: "2026-05-25T10:31:00.000Z",
    });
  });

  it("gives the same state for every shuffled and duplicated order of the same events", () => {
    const expected = fold(successStream);
    for (let seed = 1; seed <= 200; seed++) {
      const withDuplicates = [...successStream, ...shuffled(successStream, seed * 7).slice(0, seed % 6)];
      expect(fold(shuffled(withDuplicates, seed)), `seed ${seed}`).toEqual(expected);
    }
  });

  it("never moves a stage or a progress count backwards", () => {
    for (let seed = 1; seed <= 100; seed++) {
      let state: InstallState | undefined;
      for (const event of shuffled(successStream.slice(0, -2), seed)) {
        const next = reduceInstallStatus(state, event);
        if (state) {
          const rank = ["Queued", "Downloading", "SecurityScan", "Installing"];
          expect(rank.indexOf(next.stage)).toBeGreaterThanOrEqual(rank.indexOf(state.stage));
          expect(next.progress?.installed ?? 0).toBeGreaterThanOrEqual(state.progress?.installed ?? 0);
        }
        state = next;
      }
    }
  });

  it("keeps a terminal outcome final: later events of any stage change nothing the caller sees", () => {
    const failed = fold([
      { ...examples.InstallRequested, occurredAt: at(0) },
      { ...examples.InstallFailed, occurredAt: at(5) },
    ])!;
    const after = fold([
      { ...examples.InstallRequested, occurredAt: at(0) },
      { ...examples.InstallFailed, occurredAt: at(5) },
      { ...examples.ImportStarted, occurredAt: at(6) },
      artifact(3),
      { ...examples.InstallSucceeded, occurredAt: at(20) },
    ])!;
    expect(statusView(after)).toEqual(statusView(failed));
    expect(statusView(after)).toEqual({
      status: "Failed",
      stage: "SecurityScan",
      error: "SecurityScanFailed",
      message: "Package scan returned FAIL — installation blocked",
      rolledBack: true,
    });
  });

  it("treats a duplicate as a no-op", () => {
    const once = fold(successStream.slice(0, 7));
    expect(reduceInstallStatus(once, successStream[6]!)).toEqual(once);
  });

  it("shows a dry run's plan with the success shape", () => {
    const plan = [
      { key: "invoice-approval", action: "Renamed" as const, resultingKey: "invoice-approval-2" },
    ];
    const state = fold([
      { ...examples.InstallRequested, dryRun: true },
      { ...examples.InstallSucceeded, dryRun: true, plan },
    ])!;
    expect(statusView(state)).toMatchObject({ status: "Success", dryRun: true, plan });
  });

  it("records when the install was requested and finished, for estimates", () => {
    const state = fold(shuffled(successStream, 3))!;
    expect(state.requestedAt).toBe(at(0));
    const earlierClock = { ...examples.SecurityScanStarted, occurredAt: "2026-01-01T00:00:00.000Z" };
    expect(fold([earlierClock, successStream[0]!])!.requestedAt).toBe(at(0));
    expect(fold([successStream[0]!, earlierClock])!.requestedAt).toBe(at(0));
    expect(state.finishedAt).toBe(at(20));
    expect(state.requestedBy).toEqual(examples.InstallRequested.requestedBy);
  });

  it("starts from whatever event comes first, with the install's identity and nothing decided", () => {
    // given only a download start, before the request was seen
    const state = fold([{ ...examples.SecurityScanStarted, phase: "Downloading", occurredAt: at(1) }])!;
    // then
    expect(state).toEqual({
      installId: ids.installId,
      tenantId: ids.tenantId,
      packageId: examples.SecurityScanStarted.packageId,
      version: examples.SecurityScanStarted.version,
      requestedAt: at(1),
      requestSeen: false,
      requestedBy: null,
      importId: null,
      artifactCount: null,
      status: "InProgress",
      stage: "Downloading",
      progress: null,
      success: null,
      failure: null,
      finishedAt: null,
    });
  });

  it("moves to SecurityScan when the scan completes, even if its start was never seen", () => {
    const state = fold([
      successStream[0]!,
      { ...examples.SecurityScanStarted, phase: "Downloading", occurredAt: at(1) },
      { ...examples.SecurityScanCompleted, occurredAt: at(3) },
    ])!;
    expect(state.stage).toBe("SecurityScan");
    expect(statusView(state)).toEqual({ status: "InProgress", stage: "SecurityScan" });
  });

  it("takes who asked, the import id and the artifact count from the request", () => {
    const state = fold([{ ...examples.ImportStarted, occurredAt: at(4) }, successStream[0]!])!;
    expect(state).toMatchObject({
      requestSeen: true,
      requestedBy: examples.InstallRequested.requestedBy,
      importId: examples.InstallRequested.importId,
      artifactCount: 5,
      stage: "Installing",
      progress: { installed: 0, total: 5 },
    });
  });

  it("moves requestedAt to the earliest time seen until the request arrives, then to the request's own", () => {
    const late = { ...examples.ImportStarted, occurredAt: at(9) };
    const early = { ...examples.SecurityScanStarted, occurredAt: at(2) };
    expect(fold([late, early])!.requestedAt).toBe(at(2));
    expect(fold([early, late])!.requestedAt).toBe(at(2));
    // a request later than both still names the request time
    expect(fold([early, late, { ...examples.InstallRequested, occurredAt: at(5) }])!.requestedAt).toBe(at(5));
    // and a second copy of the request with an earlier clock moves it back to that earlier copy
    const twice = fold([
      { ...examples.InstallRequested, occurredAt: at(5) },
      { ...examples.InstallRequested, occurredAt: at(3) },
      { ...examples.InstallRequested, occurredAt: at(4) },
    ])!;
    expect(twice.requestedAt).toBe(at(3));
  });

  it("keeps the highest installed count and the highest total, whatever their order", () => {
    const state = fold([
      { ...examples.ArtifactInstalled, index: 4, total: 5 },
      { ...examples.ImportStarted, total: 6 },
      { ...examples.ArtifactInstalled, index: 2, total: 5 },
    ])!;
    expect(state.progress).toEqual({ installed: 4, total: 6 });
  });

  it("records the success of a real install without a plan, and its finish time", () => {
    const state = fold(successStream)!;
    expect(state.status).toBe("Success");
    expect(state.stage).toBe("Installing");
    expect(state.finishedAt).toBe(at(20));
    expect(state.success).toEqual({
      importId: examples.InstallSucceeded.importId,
      artifactsInstalled: 5,
      conflictsResolved: 1,
      completedAt: "2026-05-25T10:31:00.000Z",
      dryRun: false,
      plan: null,
    });
    expect(state.failure).toBeNull();
  });

  it("takes the import id from the success when the request was never seen", () => {
    const state = fold([{ ...examples.InstallSucceeded, importId: "imp-from-success" }])!;
    expect(state.importId).toBe("imp-from-success");
  });

  it("records a failure with its own stage, and the stage reached stays the furthest non-terminal one", () => {
    const state = fold([
      { ...successStream[0]!, occurredAt: at(0) },
      { ...examples.ImportStarted, occurredAt: at(4) },
      {
        ...examples.InstallFailed,
        stage: "Installing",
        error: "ImportFailed",
        rolledBack: false,
        occurredAt: at(7),
      },
    ])!;
    expect(state).toMatchObject({
      status: "Failed",
      stage: "Installing",
      finishedAt: at(7),
      success: null,
      failure: {
        stage: "Installing",
        error: "ImportFailed",
        message: examples.InstallFailed.message,
        rolledBack: false,
      },
    });
    expect(fold([{ ...examples.InstallFailed, stage: "Downloading" }])!.stage).toBe("Queued");
  });

  it("keeps the first success: a later failure does not replace it", () => {
    const state = fold([successStream.at(-2)!, { ...examples.InstallFailed, occurredAt: at(30) }])!;
    expect(state.status).toBe("Success");
    expect(state.failure).toBeNull();
    expect(state.finishedAt).toBe(at(20));
  });

  it("ignores events that say nothing about the status (a delivered notification)", () => {
    const before = fold(successStream.slice(0, 5))!;
    const after = reduceInstallStatus(before, { ...examples.NotificationDelivered, occurredAt: at(30) });
    expect(after).toEqual(before);
    expect(stateChanged(before, after)).toBe(false);
  });
});

describe("stateChanged", () => {
  it("is true for the first state and for any difference, false for an equal copy", () => {
    const state = fold(successStream.slice(0, 3))!;
    expect(stateChanged(undefined, state)).toBe(true);
    expect(stateChanged(state, fold(successStream.slice(0, 3))!)).toBe(false);
    expect(stateChanged(state, { ...state, stage: "Installing" })).toBe(true);
    expect(stateChanged(state, { ...state, progress: { installed: 0, total: 5 } })).toBe(true);
  });
});
