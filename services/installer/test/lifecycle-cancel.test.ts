import { setTimeout as sleep } from "node:timers/promises";
import type { InstallEvent } from "@installhub/shared";
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
  // A pause after each artifact, so a cancel can land between two of them.
  harness = await startHarnessWithInstaller("installer-cancel", {
    env: { INSTALL_ARTIFACT_THROTTLE_MS: "800" },
  });
});

afterAll(async () => {
  await harness?.close();
});

const expense = () => harness.packageNamed("acme-expense-approvals");

/** Waits until the operation's progress event with this index is on the topic. */
const progressed = (installId: string, type: "ArtifactInstalled" | "ArtifactRemoved", index: number) =>
  harness.bus.waitForEvents(installId, (events) =>
    events.some((event) => event.type === type && event.index >= index),
  );

/**
 * Every event the tenant's operation will ever get: a later operation of the same tenant is handled
 * only after it (one tenant's events are handled in order), so once that one has ended, this one has
 * nothing more to say.
 */
async function settled(tenantId: string, installId: string): Promise<InstallEvent[]> {
  const marker = installOf(expense(), { tenantId, version: "3.0.0", dryRun: true });
  await harness.publishInstall(marker);
  await harness.outcomeOf(marker);
  return harness.bus.eventsOf(installId);
}

describe("installer: cancel during an operation", () => {
  it("stops an upgrade at the next artifact after it removed one, and restores the previous version exactly", async () => {
    const tenantId = uniqueId("tenant");
    const { before, recordBefore } = await harness.editedExpense21(tenantId, "travel-report");

    const upgrade = installOf(expense(), { tenantId, version: "3.0.0" });
    await harness.publishInstall(upgrade);
    await progressed(upgrade.installId, "ArtifactInstalled", 6); // legacy-export removed
    await harness.cancel(upgrade);
    const events = await harness.outcomeOf(upgrade);

    expect(events.filter(isTerminal)).toMatchObject([
      { type: "InstallFailed", stage: "Installing", error: "InstallCancelled", rolledBack: true },
    ]);
    expect(await harness.snapshot(tenantId)).toEqual(before);
    expect(await harness.installed(tenantId, "acme-expense-approvals")).toEqual(recordBefore);
    const audit = await harness.auditLog(upgrade.importId);
    expect(audit.filter((entry) => entry.action === "RolledBack").map((entry) => entry.artifactKey)).toEqual([
      "legacy-export",
      "mileage-claims",
      "receipt-reminder",
      "expense-approval",
    ]);
  });

  it("stops an uninstall and puts back what it removed", async () => {
    const tenantId = uniqueId("tenant");
    await harness.installedExpense21(tenantId);
    const before = await harness.snapshot(tenantId);
    const uninstall = uninstallOf(expense(), { tenantId });
    await harness.bus.publisher.publish(uninstall.requested);
    await progressed(uninstall.installId, "ArtifactRemoved", 2);
    await harness.cancel(uninstall);
    const events = await harness.outcomeOf(uninstall);
    expect(events.filter(isTerminal)).toMatchObject([
      { type: "UninstallFailed", stage: "Uninstalling", error: "InstallCancelled", rolledBack: true },
    ]);
    expect(await harness.snapshot(tenantId)).toEqual(before);
    expect(await harness.installed(tenantId, "acme-expense-approvals")).toMatchObject({
      state: "Installed",
      version: "2.1.0",
    });
  });

  it.each([0, 400, 800, 1200])(
    "a cancel racing the last artifact (%i ms after the one before it) ends in exactly one consistent outcome",
    async (delayMs) => {
      const tenantId = uniqueId("tenant");
      const install = installOf(expense(), { tenantId, version: "2.1.0" });
      await harness.publishInstall(install);
      await progressed(install.installId, "ArtifactInstalled", 5);
      // A deliberate offset that moves the cancel across the last artifact's write (not a synchronisation:
      // every outcome is accepted, as long as it is one and consistent).
      await sleep(delayMs);
      await harness.cancel(install);

      const events = await settled(tenantId, install.installId);
      const terminal = events.filter(isTerminal);
      expect(new Set(terminal.map((event) => JSON.stringify(event))).size).toBe(1);
      const tenant = await harness.snapshot(tenantId);
      const record = await harness.record(install.importId);
      if (terminal[0]!.type === "InstallSucceeded") {
        // Too late: the install stands whole, as recorded.
        expect(tenant.map((artifact) => artifact.versionId).sort()).toEqual(
          [1, 2, 3, 4, 5, 6].map((index) => `${install.importId}/${index}`).sort(),
        );
        expect(await harness.installed(tenantId, "acme-expense-approvals")).toMatchObject({
          version: "2.1.0",
        });
        expect(record).toMatchObject({ status: "Success", artifactsInstalled: 6 });
      } else {
        expect(terminal[0]).toMatchObject({ error: "InstallCancelled", rolledBack: true });
        expect(tenant).toEqual([]);
        expect(await harness.installed(tenantId, "acme-expense-approvals")).toBeNull();
        expect(record).toMatchObject({ status: "Failed", error: { code: "InstallCancelled" } });
        expect(ofType(events, "ArtifactInstalled").length).toBeLessThanOrEqual(6);
      }
    },
  );
});
