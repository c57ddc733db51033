import { uniqueId, waitFor } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantArtifactsOf } from "../src/data-access/tenant-artifacts.ts";
import { type Harness, installOf, ofType, startHarnessWithInstaller } from "./harness.ts";

// The tenant keeps working while an import runs. An import's plan says which version of each
// artifact it expects; a tenant's edit after the plan must never be clobbered — not by an Overwrite
// step, not by the rollback that follows.

let harness: Harness;

interface Gate {
  index: number;
  reached: boolean;
  open: Promise<void>;
  go: () => void;
}
/** Per tenant: the step the import waits before, until the test lets it go on. */
const gates = new Map<string, Gate>();

function gateBefore(tenantId: string, index: number): Gate {
  let go = () => {};
  const open = new Promise<void>((resolve) => {
    go = resolve;
  });
  const gate = { index, reached: false, open, go };
  gates.set(tenantId, gate);
  return gate;
}

beforeAll(async () => {
  // The real store; the import only waits before one step, so the test edits at a known moment.
  harness = await startHarnessWithInstaller("installer-tenant-edits", {
    beforeApply: async (step, written) => {
      const gate = gates.get(written.tenantId);
      if (gate && step.index === gate.index) {
        gate.reached = true;
        await gate.open;
      }
    },
  });
});

afterAll(async () => {
  for (const gate of gates.values()) gate.go();
  await harness?.close();
});

/** What the tenant does in its own UI: a new version of its artifact. */
async function tenantEdits(tenantId: string, key: string) {
  const versionId = uniqueId("tenant-edit");
  await tenantArtifactsOf(harness.db).updateOne(
    { tenantId, key },
    { $set: { content: `{"edited":"${versionId}"}`, versionId, updatedAt: new Date().toISOString() } },
  );
  return tenantArtifactsOf(harness.db).findOne({ tenantId, key });
}

describe("installer: a tenant edit during an import", () => {
  it("an Overwrite refuses to clobber an artifact edited after the plan (StoreConflict), and the rollback keeps every edit", async () => {
    const { tenantId } = await harness.seededTenant("invoice-approval", "overdue-report");
    // Manifest order: invoice-approval (Overwrite), invoice-reminder, invoice-dashboard, overdue-report
    // (Overwrite), vendor-sync. The import waits before step 4.
    const install = installOf(harness.packageNamed("acme-invoice-workflows"), {
      tenantId,
      version: "3.0.0",
      defaultStrategy: "Overwrite",
    });
    const gate = gateBefore(tenantId, 4);
    await harness.publishInstall(install);
    await waitFor(() => gate.reached, { timeoutMs: 60_000, what: "the import to reach step 4" });

    // After the plan: the tenant edits what step 4 will overwrite, and what step 1 already overwrote.
    const editedReport = await tenantEdits(tenantId, "overdue-report");
    const editedApproval = await tenantEdits(tenantId, "invoice-approval");
    gate.go();
    const events = await harness.outcomeOf(install);

    const failed = ofType(events, "InstallFailed")[0];
    expect(failed).toMatchObject({
      stage: "Installing",
      error: "StoreConflict",
      rolledBack: true,
      details: { artifactKey: "overdue-report", index: 4 },
    });
    expect(failed?.message).toContain(editedReport!.versionId);
    expect(ofType(events, "ArtifactInstalled").map((event) => event.index)).toEqual([1, 2, 3]);
    // Steps 2 and 3 are removed; step 1's version is no longer there, so its undo leaves the edit.
    expect(await harness.snapshot(tenantId)).toEqual([editedApproval, editedReport]);
    expect(await harness.record(install.importId)).toMatchObject({
      status: "Failed",
      rolledBack: true,
      error: { code: "StoreConflict" },
    });
    const audit = await harness.auditLog(install.importId);
    const entries = (action: string) =>
      audit.filter((entry) => entry.action === action).map((entry) => [entry.artifactKey, entry.message]);
    expect(entries("ArtifactApplied").map(([key]) => key)).toEqual([
      "invoice-approval",
      "invoice-reminder",
      "invoice-dashboard",
    ]);
    expect(entries("RolledBack")).toEqual(
      expect.arrayContaining([
        ["invoice-dashboard", "removed"],
        ["invoice-reminder", "removed"],
      ]),
    );
    expect(audit.at(-1)?.action).toBe("ImportFailed");
  });
});
