import { exampleEvents } from "@installhub/shared/testing";
import { describe, expect, it } from "vitest";
import { composeOutcomeMessage, planSummary, requestOf } from "./outcome-message.ts";

const events = exampleEvents({
  installId: "mkt-install-b7c8d9",
  tenantId: "tenant-abc123",
  importId: "imp-f9a2c1e8",
});
const request = requestOf(events.InstallRequested);
const common = [
  ["Package", "ACME Invoice Workflows (acme-invoice-workflows)"],
  ["Version", "3.0.0"],
  ["Tenant", "tenant-abc123"],
  ["Import", "imp-f9a2c1e8"],
];

describe("requestOf", () => {
  it("keeps who asked for what, and names a package without a name by its id", () => {
    expect(request).toEqual({
      installId: "mkt-install-b7c8d9",
      tenantId: "tenant-abc123",
      importId: "imp-f9a2c1e8",
      packageId: "acme-invoice-workflows",
      packageName: "ACME Invoice Workflows",
      version: "3.0.0",
      dryRun: false,
      requestedBy: { userId: "user-1", email: "admin@tenant-abc123.example" },
    });
    expect(requestOf({ ...events.InstallRequested, packageName: "" }).packageName).toBe(
      "acme-invoice-workflows",
    );
  });
});

describe("composeOutcomeMessage", () => {
  it("tells a success: counts, completion time and the import link", () => {
    // given a request, when the install succeeded with 5 artifacts and 1 conflict
    const message = composeOutcomeMessage(request, events.InstallSucceeded);
    // then
    expect(message).toEqual({
      kind: "InstallSucceeded",
      title: "ACME Invoice Workflows 3.0.0 installed in tenant-abc123",
      summary: "5 artifacts installed, 1 conflict resolved.",
      facts: [
        ...common,
        ["Artifacts installed", "5"],
        ["Conflicts resolved", "1"],
        ["Completed", "2026-05-25T10:31:00.000Z"],
      ],
      planLines: [],
      link: { label: "View the import", path: "/api/installhub/imports/imp-f9a2c1e8" },
    });
  });

  it("counts in the singular and plural, zero included", () => {
    const one = composeOutcomeMessage(request, {
      ...events.InstallSucceeded,
      artifactsInstalled: 1,
      conflictsResolved: 0,
    });
    expect(one.summary).toBe("1 artifact installed, 0 conflicts resolved.");
  });

  it("links the import the outcome names, or the requested one when it names none", () => {
    const named = composeOutcomeMessage(request, { ...events.InstallSucceeded, importId: "imp-other" });
    expect(named.link.path).toBe("/api/installhub/imports/imp-other");
    expect(named.facts[3]).toEqual(["Import", "imp-other"]);
    // The scanner's InstallFailed has no importId: the one assigned at request time is used.
    const failed = composeOutcomeMessage(request, events.InstallFailed);
    expect(failed.link.path).toBe("/api/installhub/imports/imp-f9a2c1e8/audit-log");
  });

  it("tells a failure: stage, error, message, rollback and the audit-log link", () => {
    const message = composeOutcomeMessage(request, events.InstallFailed);
    expect(message).toEqual({
      kind: "InstallFailed",
      title: "Install of ACME Invoice Workflows 3.0.0 failed in tenant-abc123",
      summary:
        "The install failed at stage SecurityScan with SecurityScanFailed: Package scan returned FAIL — installation blocked. " +
        "Changes were rolled back.",
      facts: [
        ...common,
        ["Stage", "SecurityScan"],
        ["Error", "SecurityScanFailed"],
        ["Message", "Package scan returned FAIL — installation blocked"],
        ["Rolled back", "yes"],
      ],
      planLines: [],
      link: { label: "Import audit log", path: "/api/installhub/imports/imp-f9a2c1e8/audit-log" },
    });
  });

  it("says so when nothing was rolled back, and marks a failed dry run", () => {
    const message = composeOutcomeMessage(
      { ...request, dryRun: true },
      {
        ...events.InstallFailed,
        stage: "Installing",
        error: "ImportFailed",
        message: "boom",
        rolledBack: false,
      },
    );
    expect(message.title).toBe("DRY RUN: Install of ACME Invoice Workflows 3.0.0 failed in tenant-abc123");
    expect(message.summary).toBe(
      "DRY RUN: The install failed at stage Installing with ImportFailed: boom. Nothing was rolled back.",
    );
    expect(message.facts.at(-1)).toEqual(["Rolled back", "no"]);
  });

  it("tells a dry run's plan, one line per artifact, naming a new key only when it changed", () => {
    const message = composeOutcomeMessage(
      { ...request, dryRun: true },
      {
        ...events.InstallSucceeded,
        dryRun: true,
        artifactsInstalled: 0,
        conflictsResolved: 2,
        plan: [
          { key: "invoice-dashboard", action: "Created", resultingKey: "invoice-dashboard" },
          { key: "invoice-approval", action: "Renamed", resultingKey: "invoice-approval-2" },
          { key: "overdue-report", action: "Skipped", resultingKey: "overdue-report" },
        ],
      },
    );
    expect(message).toEqual({
      kind: "DryRunCompleted",
      title: "DRY RUN: ACME Invoice Workflows 3.0.0 in tenant-abc123 — nothing was installed",
      summary:
        "DRY RUN — nothing was changed. The plan: 3 artifacts: 1 Created, 1 Renamed, 1 Skipped; 2 conflicts would be resolved.",
      facts: [
        ...common,
        ["Mode", "DRY RUN (nothing was installed)"],
        ["Planned", "3 artifacts: 1 Created, 1 Renamed, 1 Skipped"],
        ["Conflicts that would be resolved", "2"],
      ],
      planLines: [
        "invoice-dashboard: Created",
        "invoice-approval: Renamed as invoice-approval-2",
        "overdue-report: Skipped",
      ],
      link: { label: "Dry-run import record", path: "/api/installhub/imports/imp-f9a2c1e8" },
    });
  });

  it("tells a dry run without a plan that there is nothing to do", () => {
    const message = composeOutcomeMessage(request, { ...events.InstallSucceeded, dryRun: true });
    expect(message.kind).toBe("DryRunCompleted");
    expect(message.planLines).toEqual([]);
    expect(message.facts).toContainEqual(["Planned", "0 artifacts: nothing to do"]);
  });
});

describe("planSummary", () => {
  it("counts each action in the order actions are defined, leaving out those absent", () => {
    const plan = (action: "Created" | "Overwritten" | "Renamed" | "Skipped", key: string) => ({
      key,
      action,
      resultingKey: key,
    });
    expect(
      planSummary([
        plan("Skipped", "a"),
        plan("Overwritten", "b"),
        plan("Created", "c"),
        plan("Skipped", "d"),
        plan("Renamed", "e"),
      ]),
    ).toBe("5 artifacts: 1 Created, 1 Overwritten, 1 Renamed, 2 Skipped");
    expect(planSummary([plan("Overwritten", "a")])).toBe("1 artifact: 1 Overwritten");
    expect(planSummary([])).toBe("0 artifacts: nothing to do");
  });
});

describe("uninstall outcome message (docs/lifecycle.md)", () => {
  it("tells an uninstall: what it removed, what it kept and why, and the import link", () => {
    const uninstall = requestOf(events.UninstallRequested);
    expect(uninstall.dryRun).toBe(false);
    const message = composeOutcomeMessage(uninstall, events.UninstallSucceeded);
    expect(message.kind).toBe("UninstallSucceeded");
    expect(message.title).toBe("ACME Invoice Workflows 3.0.0 uninstalled from tenant-abc123");
    expect(message.summary).toBe(
      "4 artifacts removed; kept because the tenant changed them: overdue-report.",
    );
    expect(message.facts).toEqual([
      ...common,
      ["Artifacts removed", "4"],
      ["Kept (changed by the tenant)", "overdue-report"],
      ["Completed", events.UninstallSucceeded.completedAt],
    ]);
    expect(message.link.path).toBe("/api/installhub/imports/imp-f9a2c1e8");
    const nothingKept = composeOutcomeMessage(uninstall, { ...events.UninstallSucceeded, kept: [] });
    expect(nothingKept.summary).toBe("4 artifacts removed.");
  });

  it("tells a failed uninstall: stage, error, whether removed artifacts were put back, the audit log", () => {
    const message = composeOutcomeMessage(requestOf(events.UninstallRequested), events.UninstallFailed);
    expect(message.kind).toBe("UninstallFailed");
    expect(message.title).toBe("Uninstall of ACME Invoice Workflows 3.0.0 failed in tenant-abc123");
    expect(message.summary).toBe(
      "The uninstall failed at stage Uninstalling with InstallCancelled: Cancelled by user-1. Removed artifacts were put back.",
    );
    expect(message.link.path).toBe("/api/installhub/imports/imp-f9a2c1e8/audit-log");
    const nothingRemoved = composeOutcomeMessage(requestOf(events.UninstallRequested), {
      ...events.UninstallFailed,
      rolledBack: false,
    });
    expect(nothingRemoved.summary).toContain("Nothing had been removed.");
  });
});
