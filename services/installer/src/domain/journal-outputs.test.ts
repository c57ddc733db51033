import { exampleEvents } from "@installhub/shared/testing";
import { describe, expect, it } from "vitest";
import { importJournal as journal, planStep } from "../../test/journal-fixtures.ts";
import { auditEntriesOf, earlierFailureOf, eventsOf, importRecordOf } from "./journal-outputs.ts";
import type { PlanStep } from "./plan.ts";
import type { TenantArtifact } from "./tenant-artifact.ts";

const previous: TenantArtifact = {
  tenantId: "tenant-a",
  key: "key-2",
  type: "workflow",
  name: "Key 2",
  content: "{}",
  sha256: "b".repeat(64),
  versionId: "tenant-edit-7",
  source: null,
  updatedAt: "t-1",
};

/** A plan step whose renames move the key, and whose overwrites and skips find `previous` in the tenant. */
const step = (index: number, action: PlanStep["action"], extra: Partial<PlanStep> = {}): PlanStep =>
  planStep(index, action, {
    resultingKey: action === "Renamed" ? `key-${index}-2` : `key-${index}`,
    before: action === "Created" || action === "Renamed" ? null : { ...previous, key: `key-${index}` },
    ...extra,
  });

const base = {
  installId: "mkt-install-1",
  tenantId: "tenant-a",
  packageId: "acme",
  version: "1.0.0",
  importId: "imp-1",
};
const failure = { error: "StoreConflict", message: "changed meanwhile", details: { index: 2 }, at: "t3" };
const auditBase = {
  importId: "imp-1",
  tenantId: "tenant-a",
  actor: { userId: "u", email: "u@example.test" },
};
const none = {
  artifactKey: null,
  resultingKey: null,
  artifactAction: null,
  beforeVersionId: null,
  afterVersionId: null,
};

// Given a real import of a Created, an Overwritten and a Skipped artifact, all applied.
const succeeded = journal(
  [
    step(1, "Created", { appliedAt: "t1" }),
    step(2, "Overwritten", { appliedAt: "t2" }),
    step(3, "Skipped", { appliedAt: "t2" }),
  ],
  { outcome: { status: "Success", completedAt: "t4" } },
);

// Given a real import whose Renamed and Overwritten steps were applied, then rolled back on a failure.
const failed = journal(
  [
    step(1, "Renamed", { appliedAt: "t1", undoneAt: "t6" }),
    step(2, "Overwritten", { appliedAt: "t2", undoneAt: "t5" }),
    step(3, "Created"),
  ],
  { failure, outcome: { status: "Failed", completedAt: "t7" } },
);

// Given a dry run of a plan with a Fail conflict after a Created artifact.
const dryRun = journal([step(1, "Created"), step(2, "Overwritten"), step(3, "Fail")], {
  dryRun: true,
  outcome: { status: "Success", completedAt: "t1" },
});

describe("eventsOf", () => {
  it("gives ImportStarted, one ArtifactInstalled per applied step and InstallSucceeded with the counts", () => {
    expect(eventsOf(succeeded)).toEqual([
      { type: "ImportStarted", ...base, occurredAt: "t0", total: 3, dryRun: false },
      {
        type: "ArtifactInstalled",
        ...base,
        occurredAt: "t1",
        key: "key-1",
        resultingKey: "key-1",
        action: "Created",
        index: 1,
        total: 3,
      },
      {
        type: "ArtifactInstalled",
        ...base,
        occurredAt: "t2",
        key: "key-2",
        resultingKey: "key-2",
        action: "Overwritten",
        index: 2,
        total: 3,
      },
      {
        type: "ArtifactInstalled",
        ...base,
        occurredAt: "t2",
        key: "key-3",
        resultingKey: "key-3",
        action: "Skipped",
        index: 3,
        total: 3,
      },
      {
        type: "InstallSucceeded",
        ...base,
        occurredAt: "t4",
        artifactsInstalled: 2,
        conflictsResolved: 2,
        completedAt: "t4",
        dryRun: false,
      },
    ]);
  });

  it("ends a failed import with InstallFailed at Installing, rolled back, with the failure's code and details", () => {
    const events = eventsOf(failed);
    expect(events.map((event) => event.type)).toEqual([
      "ImportStarted",
      "ArtifactInstalled",
      "ArtifactInstalled",
      "InstallFailed",
    ]);
    expect(events.at(-1)).toEqual({
      type: "InstallFailed",
      ...base,
      occurredAt: "t7",
      stage: "Installing",
      error: "StoreConflict",
      message: "changed meanwhile",
      rolledBack: true,
      details: { index: 2 },
    });
  });

  it("gives only InstallFailed for an import that failed before it had a plan", () => {
    const unplanned = journal(null, { failure, outcome: { status: "Failed", completedAt: "t1" } });
    expect(eventsOf(unplanned).map((event) => event.type)).toEqual(["InstallFailed"]);
  });

  it("gives no terminal event before the outcome, nor InstallFailed for a failed outcome without its failure", () => {
    const running = journal([step(1, "Created", { appliedAt: "t1" })], { failure });
    expect(eventsOf(running).map((event) => event.type)).toEqual(["ImportStarted", "ArtifactInstalled"]);
    const noFailure = journal([], { outcome: { status: "Failed", completedAt: "t1" } });
    expect(eventsOf(noFailure).map((event) => event.type)).toEqual(["ImportStarted"]);
  });

  it("gives a dry run ImportStarted and InstallSucceeded with the plan of its artifacts, and nothing installed", () => {
    const withStrayMarker = {
      ...dryRun,
      steps: dryRun.steps!.map((s) => ({ ...s, appliedAt: "t1" })),
    };
    expect(eventsOf(withStrayMarker)).toEqual([
      { type: "ImportStarted", ...base, occurredAt: "t0", total: 3, dryRun: true },
      {
        type: "InstallSucceeded",
        ...base,
        occurredAt: "t1",
        artifactsInstalled: 2,
        conflictsResolved: 1,
        completedAt: "t1",
        dryRun: true,
        plan: [
          { key: "key-1", action: "Created", resultingKey: "key-1" },
          { key: "key-2", action: "Overwritten", resultingKey: "key-2" },
        ],
      },
    ]);
  });
});

describe("auditEntriesOf", () => {
  it("logs start, each applied artifact with its versions, and success, numbered in order", () => {
    expect(auditEntriesOf(succeeded)).toEqual([
      {
        _id: "imp-1:0",
        ...auditBase,
        seq: 0,
        ...none,
        at: "t0",
        action: "ImportStarted",
        message: "Import of acme@1.0.0: 3 artifacts",
      },
      {
        _id: "imp-1:1",
        ...auditBase,
        seq: 1,
        at: "t1",
        action: "ArtifactApplied",
        artifactKey: "key-1",
        resultingKey: "key-1",
        artifactAction: "Created",
        beforeVersionId: null,
        afterVersionId: "imp-1/1",
        message: null,
      },
      {
        _id: "imp-1:2",
        ...auditBase,
        seq: 2,
        at: "t2",
        action: "ArtifactApplied",
        artifactKey: "key-2",
        resultingKey: "key-2",
        artifactAction: "Overwritten",
        beforeVersionId: "tenant-edit-7",
        afterVersionId: "imp-1/2",
        message: null,
      },
      {
        _id: "imp-1:3",
        ...auditBase,
        seq: 3,
        at: "t2",
        action: "ArtifactApplied",
        artifactKey: "key-3",
        resultingKey: "key-3",
        artifactAction: "Skipped",
        // a skipped artifact keeps the tenant's version
        beforeVersionId: "tenant-edit-7",
        afterVersionId: "tenant-edit-7",
        message: null,
      },
      { _id: "imp-1:4", ...auditBase, seq: 4, ...none, at: "t4", action: "ImportSucceeded", message: null },
    ]);
  });

  it("logs each rollback, last step first, restoring or removing, then the failure", () => {
    const rolledBack = auditEntriesOf(failed).slice(3);
    expect(rolledBack).toEqual([
      {
        _id: "imp-1:3",
        ...auditBase,
        seq: 3,
        at: "t5",
        action: "RolledBack",
        artifactKey: "key-2",
        resultingKey: "key-2",
        artifactAction: "Overwritten",
        beforeVersionId: "imp-1/2",
        afterVersionId: "tenant-edit-7",
        message: "previous version restored",
      },
      {
        _id: "imp-1:4",
        ...auditBase,
        seq: 4,
        at: "t6",
        action: "RolledBack",
        artifactKey: "key-1",
        resultingKey: "key-1-2",
        artifactAction: "Renamed",
        beforeVersionId: "imp-1/1",
        afterVersionId: null,
        message: "removed",
      },
      {
        _id: "imp-1:5",
        ...auditBase,
        seq: 5,
        ...none,
        at: "t7",
        action: "ImportFailed",
        message: "StoreConflict: changed meanwhile",
      },
    ]);
  });

  it("logs a dry run's plan without versions it would write, and nothing applied", () => {
    expect(auditEntriesOf(dryRun)).toEqual([
      {
        _id: "imp-1:0",
        ...auditBase,
        seq: 0,
        ...none,
        at: "t0",
        action: "ImportStarted",
        message: "Dry run of acme@1.0.0: 3 artifacts",
      },
      {
        _id: "imp-1:1",
        ...auditBase,
        seq: 1,
        at: "t0",
        action: "ArtifactPlanned",
        artifactKey: "key-1",
        resultingKey: "key-1",
        artifactAction: "Created",
        beforeVersionId: null,
        afterVersionId: null,
        message: null,
      },
      {
        _id: "imp-1:2",
        ...auditBase,
        seq: 2,
        at: "t0",
        action: "ArtifactPlanned",
        artifactKey: "key-2",
        resultingKey: "key-2",
        artifactAction: "Overwritten",
        beforeVersionId: "tenant-edit-7",
        afterVersionId: null,
        message: null,
      },
      { _id: "imp-1:3", ...auditBase, seq: 3, ...none, at: "t1", action: "ImportSucceeded", message: null },
    ]);
  });

  it("logs no outcome while the import runs", () => {
    const running = journal([step(1, "Created", { appliedAt: "t1" })]);
    expect(auditEntriesOf(running).map((entry) => entry.action)).toEqual([
      "ImportStarted",
      "ArtifactApplied",
    ]);
  });

  it("logs only the failure of an import that failed before it had a plan", () => {
    const unplanned = journal(null, { failure, outcome: { status: "Failed", completedAt: "t1" } });
    expect(auditEntriesOf(unplanned)).toEqual([
      {
        _id: "imp-1:0",
        ...auditBase,
        seq: 0,
        ...none,
        at: "t1",
        action: "ImportFailed",
        message: "StoreConflict: changed meanwhile",
      },
    ]);
  });
});

describe("importRecordOf", () => {
  const record = {
    _id: "imp-1",
    installId: "mkt-install-1",
    tenantId: "tenant-a",
    packageId: "acme",
    version: "1.0.0",
    requestedBy: { userId: "u", email: "u@example.test" },
    startedAt: "t0",
  };

  it("records a running import as InProgress with what it applied so far", () => {
    const running = journal([step(1, "Overwritten", { appliedAt: "t1" }), step(2, "Created")]);
    expect(importRecordOf(running)).toEqual({
      ...record,
      dryRun: false,
      status: "InProgress",
      completedAt: null,
      artifactsInstalled: 1,
      conflictsResolved: 1,
      rolledBack: false,
      error: null,
      artifacts: [
        {
          key: "key-1",
          action: "Overwritten",
          resultingKey: "key-1",
          beforeVersionId: "tenant-edit-7",
          afterVersionId: "imp-1/1",
        },
      ],
    });
  });

  it("records a success with its counts and a failure as rolled back with its error and no counts", () => {
    expect(importRecordOf(succeeded)).toMatchObject({
      status: "Success",
      completedAt: "t4",
      artifactsInstalled: 2,
      conflictsResolved: 2,
      rolledBack: false,
      error: null,
    });
    expect(importRecordOf(failed)).toMatchObject({
      status: "Failed",
      completedAt: "t7",
      artifactsInstalled: 0,
      conflictsResolved: 0,
      rolledBack: true,
      error: { code: "StoreConflict", message: "changed meanwhile" },
    });
  });

  it("lists a dry run's planned artifacts without the versions it would write", () => {
    expect(importRecordOf(dryRun)).toEqual({
      ...record,
      dryRun: true,
      status: "Success",
      completedAt: "t1",
      artifactsInstalled: 2,
      conflictsResolved: 1,
      rolledBack: false,
      error: null,
      artifacts: [
        {
          key: "key-1",
          action: "Created",
          resultingKey: "key-1",
          beforeVersionId: null,
          afterVersionId: null,
        },
        {
          key: "key-2",
          action: "Overwritten",
          resultingKey: "key-2",
          beforeVersionId: "tenant-edit-7",
          afterVersionId: null,
        },
      ],
    });
  });
});

describe("earlierFailureOf", () => {
  it("records a failure at an earlier stage as a failed import with one audit entry naming the stage", () => {
    const events = exampleEvents({ installId: "mkt-install-1", tenantId: "tenant-a", importId: "imp-1" });
    const request = events.InstallRequested;
    const failure = {
      ...events.InstallFailed,
      stage: "SecurityScan" as const,
      error: "ScanRejected",
      message: "critical findings",
      rolledBack: false,
      occurredAt: "2026-05-25T10:31:00.000Z",
    };
    expect(earlierFailureOf(request, failure)).toEqual({
      record: {
        _id: "imp-1",
        installId: "mkt-install-1",
        tenantId: "tenant-a",
        packageId: request.packageId,
        version: request.version,
        requestedBy: request.requestedBy,
        dryRun: request.dryRun,
        status: "Failed",
        startedAt: request.occurredAt,
        completedAt: "2026-05-25T10:31:00.000Z",
        artifactsInstalled: 0,
        conflictsResolved: 0,
        rolledBack: false,
        error: { code: "ScanRejected", message: "critical findings" },
        artifacts: [],
      },
      audit: {
        _id: "imp-1:0",
        importId: "imp-1",
        tenantId: "tenant-a",
        seq: 0,
        at: "2026-05-25T10:31:00.000Z",
        actor: request.requestedBy,
        action: "ImportFailed",
        artifactKey: null,
        resultingKey: null,
        artifactAction: null,
        beforeVersionId: null,
        afterVersionId: null,
        message: "SecurityScan failed: ScanRejected: critical findings",
      },
    });
  });
});
