import { exampleEvents } from "@installhub/shared/testing";
import { describe, expect, it } from "vitest";
import { importJournal as journal, planStep as step } from "../../test/journal-fixtures.ts";
import {
  appliedButUnrecorded,
  conflictFailure,
  countsOf,
  newJournal,
  nextStep,
  stepsToUndo,
  unfinished,
  withApplied,
  withFailure,
  withOutcome,
  withPublished,
  withUndone,
} from "./journal.ts";

describe("journal transitions", () => {
  it("marks steps applied once: a second run keeps the first time and changes nothing", () => {
    const given = journal([step(1, "Created"), step(2, "Overwritten"), step(3, "Skipped")]);
    const once = withApplied(given, [1, 3], "t1");
    expect(once.steps!.map((s) => s.appliedAt)).toEqual(["t1", null, "t1"]);
    expect(given.steps![0]!.appliedAt).toBeNull(); // pure: the input is untouched
    const again = withApplied(once, [1, 2], "t2");
    expect(again.steps!.map((s) => s.appliedAt)).toEqual(["t1", "t2", "t1"]);
    expect(withApplied(again, [1, 2, 3], "t3")).toBe(again);
    expect(withApplied(journal(null), [1], "t1")).toEqual(journal(null));
  });

  it("marks steps undone once, keeps the first failure and the first outcome, and never lowers the published count", () => {
    const applied = withApplied(journal([step(1, "Created"), step(2, "Created")]), [1, 2], "t1");
    const undone = withUndone(applied, [2], "t2");
    expect(undone.steps!.map((s) => s.undoneAt)).toEqual([null, "t2"]);
    expect(withUndone(undone, [2], "t3")).toBe(undone);

    const failure = { error: "StoreConflict", message: "m", details: {}, at: "t1" };
    const failed = withFailure(applied, failure);
    expect(withFailure(failed, { ...failure, error: "Other" }).failure?.error).toBe("StoreConflict");

    const finished = withOutcome(failed, { status: "Failed", completedAt: "t4" });
    expect(unfinished(finished)).toBe(false);
    expect(withOutcome(finished, { status: "Success", completedAt: "t5" })).toBe(finished);

    expect(withPublished(finished, 3).eventsPublished).toBe(3);
    expect(withPublished(withPublished(finished, 3), 2).eventsPublished).toBe(3);
  });
});

describe("journal queries", () => {
  it("finds the next unapplied step and the steps to undo, last applied first, writing ones only", () => {
    const steps = [step(1, "Created"), step(2, "Skipped"), step(3, "Renamed"), step(4, "Overwritten")];
    const applied = withApplied(journal(steps), [1, 2, 3], "t1");
    expect(nextStep(applied)?.index).toBe(4);
    expect(stepsToUndo(applied).map((s) => s.index)).toEqual([3, 1]);
    expect(stepsToUndo(withUndone(applied, [3], "t2")).map((s) => s.index)).toEqual([1]);
    expect(nextStep(withApplied(applied, [4], "t1"))).toBeUndefined();
    // a journal that failed before it had a plan has nothing to apply, undo, count or recognise
    const unplanned = journal(null);
    expect(nextStep(unplanned)).toBeUndefined();
    expect(stepsToUndo(unplanned)).toEqual([]);
    expect(countsOf(unplanned)).toEqual({ artifactsInstalled: 0, conflictsResolved: 0 });
    expect(appliedButUnrecorded(unplanned, new Map([["key-1", "imp-1/1"]]))).toEqual([]);
  });

  it("recognises artifacts a stopped run wrote but did not record, by the step's own versionId", () => {
    const given = withApplied(
      journal([step(1, "Created"), step(2, "Created"), step(3, "Skipped"), step(4, "Created")]),
      [1],
      "t1",
    );
    const versions = new Map([
      ["key-1", "imp-1/1"],
      ["key-2", "imp-1/2"], // written by this import, not recorded
      ["key-3", "someone-else"],
      ["key-4", "imp-9/4"], // replaced by another writer
    ]);
    expect(appliedButUnrecorded(given, versions)).toEqual([2]);
  });

  it("counts written artifacts and resolved conflicts of applied steps; a dry run counts its plan", () => {
    const steps = [
      step(1, "Created"),
      step(2, "Overwritten"),
      step(3, "Skipped"),
      step(4, "Renamed"),
      step(5, "Fail"),
    ];
    expect(countsOf(withApplied(journal(steps), [1, 2, 3], "t1"))).toEqual({
      artifactsInstalled: 2,
      conflictsResolved: 2,
    });
    expect(countsOf(journal(steps, { dryRun: true }))).toEqual({
      artifactsInstalled: 3,
      conflictsResolved: 3,
    });
  });

  it("explains a Fail conflict with the artifact and the tenant", () => {
    expect(conflictFailure(step(2, "Fail"), "tenant-a", "t1")).toEqual({
      error: "ConflictFailed",
      message: 'Artifact "key-2" already exists in tenant tenant-a and its conflict strategy is Fail',
      details: { artifactKey: "key-2", index: 2 },
      at: "t1",
    });
  });
});

describe("newJournal", () => {
  it("starts a journal from the request: unfinished, nothing published, the plan and failure as given", () => {
    const request = exampleEvents({
      installId: "mkt-install-1",
      tenantId: "tenant-a",
      importId: "imp-1",
    }).InstallRequested;
    const steps = [step(1, "Created")];
    const failure = { error: "ConflictFailed", message: "m", details: {}, at: "t0" };
    const started = newJournal(request, "a".repeat(64), "t0", steps, failure);
    expect(started).toEqual({
      _id: request.importId,
      installId: "mkt-install-1",
      tenantId: "tenant-a",
      packageId: request.packageId,
      version: request.version,
      dryRun: request.dryRun,
      requestedBy: request.requestedBy,
      archiveSha256: "a".repeat(64),
      startedAt: "t0",
      steps,
      failure,
      outcome: null,
      eventsPublished: 0,
    });
    expect(unfinished(started)).toBe(true);
    // a published count that does not move keeps the journal itself: nothing to write
    expect(withPublished(started, 0)).toBe(started);
    expect(withPublished(started, 1).eventsPublished).toBe(1);
  });
});
