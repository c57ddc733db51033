import { exampleEvents } from "@installhub/shared/testing";
import { describe, expect, it } from "vitest";
import { outcomeMessageId, renderEmail } from "./email.ts";
import { composeOutcomeMessage, planSummary, requestOf } from "./outcome-message.ts";

const events = exampleEvents({
  installId: "mkt-install-b7c8d9",
  tenantId: "tenant-abc123",
  importId: "imp-f9a2c1e8",
});
const request = requestOf(events.InstallRequested);
const baseUrl = "https://installhub.example.com";

describe("outcome message", () => {
  it("tells a success: package, version, tenant, counts and the absolute import link", () => {
    const message = composeOutcomeMessage(request, events.InstallSucceeded);
    expect(message.kind).toBe("InstallSucceeded");
    expect(message.title).toBe("ACME Invoice Workflows 3.0.0 installed in tenant-abc123");
    expect(message.summary).toBe("5 artifacts installed, 1 conflict resolved.");
    expect(message.link.path).toBe("/api/installhub/imports/imp-f9a2c1e8");

    const email = renderEmail(message, baseUrl);
    expect(email.subject).toBe("[InstallHub] ACME Invoice Workflows 3.0.0 installed in tenant-abc123");
    expect(email.text).toMatch(/Artifacts installed:\s+5/);
    expect(email.text).toMatch(/Conflicts resolved:\s+1/);
    expect(email.text).toContain("Tenant:");
    expect(email.text).toContain(`${baseUrl}/api/installhub/imports/imp-f9a2c1e8`);
    expect(email.html).toContain(`href="${baseUrl}/api/installhub/imports/imp-f9a2c1e8"`);
  });

  it("tells a failure: stage, error code, message, rollback and the audit-log link of the requested import", () => {
    const message = composeOutcomeMessage(request, events.InstallFailed);
    expect(message.kind).toBe("InstallFailed");
    expect(message.summary).toContain("SecurityScan");
    expect(message.summary).toContain("SecurityScanFailed");
    expect(message.summary).toContain("Package scan returned FAIL — installation blocked");
    expect(message.summary).toContain("rolled back");
    // The scanner's InstallFailed has no importId: the one assigned at request time is used.
    expect(message.link.path).toBe("/api/installhub/imports/imp-f9a2c1e8/audit-log");

    const email = renderEmail(message, baseUrl);
    expect(email.text).toMatch(/Rolled back:\s+yes/);
    expect(email.text).toContain(
      `Import audit log: ${baseUrl}/api/installhub/imports/imp-f9a2c1e8/audit-log`,
    );
  });

  it("tells an uninstall: what it removed, what it kept and why, and the import link", () => {
    const uninstall = requestOf(events.UninstallRequested);
    expect(uninstall.dryRun).toBe(false);
    const message = composeOutcomeMessage(uninstall, events.UninstallSucceeded);
    expect(message.kind).toBe("UninstallSucceeded");
    expect(message.title).toBe("ACME Invoice Workflows 3.0.0 uninstalled from tenant-abc123");
    expect(message.summary).toBe(
      "4 artifacts removed; kept because the tenant changed them: overdue-report.",
    );
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
  });

  it("marks a dry run as such and summarises its plan", () => {
    const message = composeOutcomeMessage(
      { ...request, dryRun: true },
      {
        ...events.InstallSucceeded,
        dryRun: true,
        artifactsInstalled: 0,
        plan: [
          { key: "invoice-dashboard", action: "Created", resultingKey: "invoice-dashboard" },
          { key: "invoice-approval", action: "Renamed", resultingKey: "invoice-approval-2" },
          { key: "overdue-report", action: "Skipped", resultingKey: "overdue-report" },
        ],
      },
    );
    expect(message.kind).toBe("DryRunCompleted");
    expect(message.title).toMatch(/^DRY RUN: /);
    expect(message.summary).toContain("3 artifacts: 1 Created, 1 Renamed, 1 Skipped");
    const email = renderEmail(message, baseUrl);
    expect(email.subject).toContain("DRY RUN");
    expect(email.text).toContain("invoice-approval: Renamed as invoice-approval-2");
    expect(email.html).toContain("<li>overdue-report: Skipped</li>");
  });

  it("escapes what it puts into HTML", () => {
    const message = composeOutcomeMessage(request, {
      ...events.InstallFailed,
      message: "<script>x</script>",
    });
    expect(renderEmail(message, baseUrl).html).not.toContain("<script>");
  });

  it("gives each outcome a fixed Message-ID on the sender's domain", () => {
    expect(outcomeMessageId(events.InstallSucceeded, "InstallHub <notify@mail.example>")).toBe(
      "<mkt-install-b7c8d9.InstallSucceeded@mail.example>",
    );
    expect(planSummary([])).toBe("0 artifacts: nothing to do");
  });
});
