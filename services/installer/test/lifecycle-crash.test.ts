import { uniqueId, waitFor } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, installOf, isTerminal, killed, ofType, startHarness, uninstallOf } from "./harness.ts";

let harness: Harness;

beforeAll(async () => {
  // A pause after each artifact, so the kill lands in the middle of an upgrade or uninstall.
  harness = await startHarness("installer-lifecycle-crash", {
    INSTALL_ARTIFACT_THROTTLE_MS: "1000",
    KAFKA_SESSION_TIMEOUT_MS: "10000",
  });
});

afterAll(async () => {
  await harness?.close();
});

const expense = () => harness.packageNamed("acme-expense-approvals");
const applied = async (importId: string) =>
  (await harness.journal(importId))?.steps?.filter((step) => step.appliedAt !== null).length ?? 0;

/** A second installer takes the operation up after the kill, runs it to its terminal event and stops. */
async function restartToTheEnd(installId: string) {
  const second = harness.spawnInstaller();
  await harness.bus.waitForEvents(installId, (all) => all.some(isTerminal), 120_000);
  await killed(second, "SIGTERM");
}

/** The operation's events: progress never contradicts itself, and it ended once, in one way. */
function expectOneOutcome(installId: string, progressType: "ArtifactInstalled" | "ArtifactRemoved") {
  const events = harness.bus.eventsOf(installId);
  const progress = ofType(events, progressType);
  for (const event of progress) {
    expect(event).toEqual(progress.find((first) => first.index === event.index));
  }
  const terminal = events.filter(isTerminal);
  expect(new Set(terminal.map((event) => JSON.stringify(event))).size).toBe(1);
  return { progress, terminal: terminal[0]! };
}

describe("installer: crash safety of upgrades and uninstalls", () => {
  it("killed with SIGKILL mid-upgrade, a restarted installer finishes it exactly once", async () => {
    const tenantId = uniqueId("tenant");
    const installer = harness.spawnInstaller();
    const old = await harness.installedExpense21(tenantId, 90_000);
    const edited = await harness.edit(tenantId, "travel-report");
    const upgrade = installOf(expense(), { tenantId, version: "3.0.0" });
    await harness.publishInstall(upgrade);
    await waitFor(async () => (await applied(upgrade.importId)) >= 3, {
      timeoutMs: 90_000,
      what: "3 applied",
    });
    await killed(installer, "SIGKILL");
    expect((await harness.journal(upgrade.importId))?.outcome).toBeNull();

    await restartToTheEnd(upgrade.installId);

    const { progress, terminal } = expectOneOutcome(upgrade.installId, "ArtifactInstalled");
    expect(new Set(progress.map((event) => event.index))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]));
    expect(terminal).toMatchObject({ type: "InstallSucceeded", operation: "Upgrade", artifactsInstalled: 3 });
    expect((await harness.snapshot(tenantId)).map((artifact) => [artifact.key, artifact.versionId])).toEqual([
      ["expense-approval", `${upgrade.importId}/1`],
      ["expense-dashboard", `${old.importId}/4`],
      ["expense-policy", `${old.importId}/2`],
      ["mileage-claims", `${upgrade.importId}/5`],
      ["receipt-reminder", `${upgrade.importId}/3`],
      ["travel-report", edited],
    ]);
    expect((await harness.auditLog(upgrade.importId)).map((entry) => entry.seq)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    expect(await harness.installed(tenantId, "acme-expense-approvals")).toMatchObject({
      version: "3.0.0",
      revision: 2,
      lastImportId: upgrade.importId,
    });
  });

  it("killed with SIGKILL mid-uninstall, a restarted installer finishes it exactly once", async () => {
    const tenantId = uniqueId("tenant");
    const installer = harness.spawnInstaller();
    await harness.installedExpense21(tenantId, 90_000);
    const uninstall = uninstallOf(expense(), { tenantId });
    await harness.bus.publisher.publish(uninstall.requested);
    await waitFor(async () => (await applied(uninstall.importId)) >= 2, {
      timeoutMs: 90_000,
      what: "2 removed",
    });
    await killed(installer, "SIGKILL");
    expect(await harness.snapshot(tenantId)).not.toEqual([]);

    await restartToTheEnd(uninstall.installId);

    const { progress, terminal } = expectOneOutcome(uninstall.installId, "ArtifactRemoved");
    expect(new Set(progress.map((event) => event.index))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(terminal).toMatchObject({ type: "UninstallSucceeded", artifactsRemoved: 6 });
    expect(await harness.snapshot(tenantId)).toEqual([]);
    expect(await harness.installed(tenantId, "acme-expense-approvals")).toMatchObject({
      state: "NotInstalled",
      revision: 2,
    });
  });

  it("killed with SIGKILL mid-upgrade before it meets a Fail conflict, a restarted installer restores the previous version exactly", async () => {
    const tenantId = uniqueId("tenant");
    const installer = harness.spawnInstaller();
    const { before, recordBefore } = await harness.editedExpense21(tenantId, "receipt-reminder", 90_000);
    const upgrade = installOf(expense(), {
      tenantId,
      version: "3.0.0",
      overrides: { "receipt-reminder": "Fail" },
    });
    await harness.publishInstall(upgrade);
    await waitFor(async () => (await applied(upgrade.importId)) >= 1, {
      timeoutMs: 90_000,
      what: "1 applied",
    });
    await killed(installer, "SIGKILL");
    expect(await harness.snapshot(tenantId)).not.toEqual(before);

    await restartToTheEnd(upgrade.installId);

    const { terminal } = expectOneOutcome(upgrade.installId, "ArtifactInstalled");
    expect(terminal).toMatchObject({ type: "InstallFailed", error: "ConflictFailed", rolledBack: true });
    expect(await harness.snapshot(tenantId)).toEqual(before);
    expect(await harness.installed(tenantId, "acme-expense-approvals")).toEqual(recordBefore);
  });
});
