import type { InstallEvent } from "@installhub/shared";
import { exampleEvents } from "@installhub/shared/testing";
import { describe, expect, it } from "vitest";
import { type InstallState, reduceInstallStatus } from "./install-status.ts";
import { statusView } from "./status-view.ts";

const ids = { installId: "mkt-install-b7c8d9", tenantId: "tenant-abc123" };
const examples = exampleEvents(ids);
const at = (seconds: number) => new Date(Date.UTC(2026, 4, 25, 10, 30, seconds)).toISOString();

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

/** Deterministic shuffles (a seeded LCG), so a failure names a reproducible permutation. */
function shuffled<T>(items: T[], seed: number): T[] {
  const copy = [...items];
  let state = seed;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

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
});
