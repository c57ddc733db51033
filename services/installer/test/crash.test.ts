import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { repositoryRoot } from "@installhub/shared";
import { uniqueId, waitFor } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installerCollections } from "../src/data-access/collections.ts";
import type { ImportJournal } from "../src/domain/journal.ts";
import { type Harness, installOf, isTerminal, ofType, startHarness } from "./harness.ts";

let harness: Harness;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // A pause after each artifact write, so the kill lands between the third and the fourth.
  harness = await startHarness("installer-crash", {
    INSTALL_ARTIFACT_THROTTLE_MS: "1500",
    KAFKA_SESSION_TIMEOUT_MS: "10000",
  });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await harness?.close();
});

function spawnInstaller(): ChildProcess {
  const child = spawn(process.execPath, ["services/installer/src/main.ts"], {
    cwd: repositoryRoot,
    env: { ...process.env, ...harness.env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  return child;
}

async function killed(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}

describe("installer: crash safety", () => {
  it("killed with SIGKILL after 3 of 5 artifacts, a restarted installer finishes the import exactly once", async () => {
    const tenantId = uniqueId("tenant");
    await harness.seed(tenantId, "invoice-approval");
    await harness.seed(tenantId, "overdue-report");
    const install = installOf(harness.packageNamed("acme-invoice-workflows"), {
      tenantId,
      version: "3.0.0",
      defaultStrategy: "Overwrite",
    });
    const journals = harness.db.collection<ImportJournal>(installerCollections.journal);
    const appliedSteps = (journal: ImportJournal | null) =>
      journal?.steps?.filter((step) => step.appliedAt !== null).length ?? 0;

    const first = spawnInstaller();
    await harness.publishInstall(install);
    await waitFor(async () => appliedSteps(await journals.findOne({ _id: install.importId })) >= 3, {
      timeoutMs: 60_000,
      what: "3 artifacts applied",
    });
    await killed(first, "SIGKILL");
    const atKill = await journals.findOne({ _id: install.importId });
    expect(atKill?.outcome).toBeNull();
    expect(appliedSteps(atKill)).toBeLessThan(5);

    const second = spawnInstaller();
    await harness.bus.waitForEvents(install.installId, (events) => events.some(isTerminal), 90_000);
    await killed(second, "SIGTERM");

    const tenant = await harness.snapshot(tenantId);
    expect(tenant.map((artifact) => [artifact.key, artifact.versionId])).toEqual([
      ["invoice-approval", `${install.importId}/1`],
      ["invoice-dashboard", `${install.importId}/3`],
      ["invoice-reminder", `${install.importId}/2`],
      ["overdue-report", `${install.importId}/4`],
      ["vendor-sync", `${install.importId}/5`],
    ]);

    const audit = await harness.auditLog(install.importId);
    expect(audit.map((entry) => entry.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(audit.map((entry) => entry.action)).toEqual([
      "ImportStarted",
      ...Array(5).fill("ArtifactApplied"),
      "ImportSucceeded",
    ]);
    expect(await harness.record(install.importId)).toMatchObject({
      status: "Succeeded",
      artifactsInstalled: 5,
      conflictsResolved: 2,
    });

    const events = harness.bus.eventsOf(install.installId);
    const progress = ofType(events, "ArtifactInstalled");
    const indexes = progress.map((event) => event.index);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(new Set(indexes)).toEqual(new Set([1, 2, 3, 4, 5]));
    for (const event of progress) {
      expect(event).toEqual(progress.find((firstSeen) => firstSeen.index === event.index));
    }
    const terminal = events.filter(isTerminal);
    expect(terminal.every((event) => JSON.stringify(event) === JSON.stringify(terminal[0]))).toBe(true);
    expect(terminal[0]).toMatchObject({
      type: "InstallSucceeded",
      artifactsInstalled: 5,
      conflictsResolved: 2,
    });
  });

  it("killed before it meets a Fail conflict, a restarted installer rolls the tenant back exactly", async () => {
    const tenantId = uniqueId("tenant");
    await harness.seed(tenantId, "invoice-dashboard");
    await harness.seed(tenantId, "invoice-approval");
    const before = await harness.snapshot(tenantId);
    // Manifest order: invoice-dashboard (Overwrite), overdue-report (new), invoice-approval (Fail), reporting-schedule.
    const install = installOf(harness.packageNamed("acme-reporting-pack"), {
      tenantId,
      defaultStrategy: "Overwrite",
      overrides: { "invoice-approval": "Fail" },
    });
    const journals = harness.db.collection<ImportJournal>(installerCollections.journal);

    const first = spawnInstaller();
    await harness.publishInstall(install);
    await waitFor(
      async () => (await journals.findOne({ _id: install.importId }))?.steps?.[1]?.appliedAt ?? undefined,
      { timeoutMs: 60_000, what: "2 artifacts applied" },
    );
    await killed(first, "SIGKILL");
    expect((await journals.findOne({ _id: install.importId }))?.failure).toBeNull();
    expect(await harness.snapshot(tenantId)).not.toEqual(before);

    const second = spawnInstaller();
    const events = await harness.bus.waitForEvents(install.installId, (all) => all.some(isTerminal), 90_000);
    await killed(second, "SIGTERM");

    expect(await harness.snapshot(tenantId)).toEqual(before);
    expect(events.filter(isTerminal)[0]).toMatchObject({ error: "ConflictFailed", rolledBack: true });
    expect((await harness.auditLog(install.importId)).map((entry) => [entry.seq, entry.action])).toEqual([
      [0, "ImportStarted"],
      [1, "ArtifactApplied"],
      [2, "ArtifactApplied"],
      [3, "RolledBack"],
      [4, "RolledBack"],
      [5, "ImportFailed"],
    ]);
  });
});
