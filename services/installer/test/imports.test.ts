import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  approvedFilesOf,
  consumerGroupId,
  examplesRoot,
  type PackageDocument,
  readArchive,
  sha256Hex,
} from "@installhub/shared";
import { fixturePackage, hostileArchive, uniqueId, waitFor } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, installOf, ofType, startHarnessWithInstaller, verdictOf } from "./harness.ts";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarnessWithInstaller("installer-imports");
});

afterAll(async () => {
  await harness?.close();
});

const exampleFile = (packageId: string, version: string, file: string) =>
  readFile(join(examplesRoot, "packages", packageId, version, file), "utf8");

/** `bytes` served by the CDN as crafted-package@1.0.0, as the catalog would describe them. */
async function craftedPackage(bytes: Buffer, artifactCount: number): Promise<PackageDocument> {
  const archivePath = `packages/crafted/${uniqueId("crafted")}.tgz`;
  await mkdir(dirname(join(harness.marketplace.cdnRoot, archivePath)), { recursive: true });
  await writeFile(join(harness.marketplace.cdnRoot, archivePath), bytes);
  return {
    _id: fixturePackage.id,
    name: fixturePackage.id,
    description: "",
    publisherId: "test-publisher",
    trustLevel: "Community",
    versions: [
      {
        version: fixturePackage.version,
        yanked: false,
        archivePath,
        sha256: sha256Hex(bytes),
        sizeBytes: bytes.length,
        signature: null,
        artifactCount,
        publishedAt: "2026-05-01T00:00:00.000Z",
      },
    ],
    updatedAt: "2026-05-01T00:00:00.000Z",
  };
}

describe("installer: conflict strategies", () => {
  it.each([
    ["Skip", "Skipped", "invoice-approval", 4],
    ["Overwrite", "Overwritten", "invoice-approval", 5],
    ["Rename", "Renamed", "invoice-approval-2", 5],
  ] as const)("%s against a pre-existing artifact", async (strategy, action, resultingKey, installed) => {
    const tenantId = uniqueId("tenant");
    const existing = await harness.seed(tenantId, "invoice-approval");
    const install = installOf(harness.packageNamed("acme-invoice-workflows"), {
      tenantId,
      version: "3.0.0",
      defaultStrategy: strategy,
    });
    await harness.publishInstall(install);
    const events = await harness.outcomeOf(install);

    expect(events.map((event) => event.type)).toEqual([
      "ImportStarted",
      ...Array(5).fill("ArtifactInstalled"),
      "InstallSucceeded",
    ]);
    const progress = ofType(events, "ArtifactInstalled");
    expect(progress.map((event) => [event.index, event.total])).toEqual([1, 2, 3, 4, 5].map((i) => [i, 5]));
    expect(progress[0]).toMatchObject({ key: "invoice-approval", action, resultingKey });
    expect(progress.slice(1).map((event) => event.action)).toEqual(Array(4).fill("Created"));
    expect(ofType(events, "InstallSucceeded")[0]).toMatchObject({
      importId: install.importId,
      artifactsInstalled: installed,
      conflictsResolved: 1,
      dryRun: false,
    });

    const tenant = await harness.snapshot(tenantId);
    const byKey = new Map(tenant.map((artifact) => [artifact.key, artifact]));
    const approval = await exampleFile("acme-invoice-workflows", "3.0.0", "artifacts/invoice-approval.json");
    if (strategy === "Overwrite") {
      expect(byKey.get("invoice-approval")).toMatchObject({
        _id: existing._id,
        content: approval,
        name: "Invoice approval",
        versionId: `${install.importId}/1`,
      });
    } else {
      expect(byKey.get("invoice-approval")).toEqual(existing);
    }
    if (strategy === "Rename") {
      expect(byKey.get("invoice-approval-2")).toMatchObject({
        name: "Invoice approval (2)",
        content: approval,
      });
    }
    expect(tenant).toHaveLength(strategy === "Rename" ? 6 : 5);

    const record = await harness.record(install.importId);
    expect(record).toMatchObject({
      status: "Success",
      tenantId,
      artifactsInstalled: installed,
      conflictsResolved: 1,
      rolledBack: false,
      requestedBy: install.requested.requestedBy,
    });
    expect(record?.artifacts[0]).toEqual({
      key: "invoice-approval",
      action,
      resultingKey,
      beforeVersionId: strategy === "Rename" ? null : existing.versionId,
      afterVersionId: strategy === "Skip" ? existing.versionId : `${install.importId}/1`,
    });
    const audit = await harness.auditLog(install.importId);
    expect(audit.map((entry) => entry.action)).toEqual([
      "ImportStarted",
      ...Array(5).fill("ArtifactApplied"),
      "ImportSucceeded",
    ]);
    expect(audit.map((entry) => entry._id)).toEqual(audit.map((_, seq) => `${install.importId}:${seq}`));
  });

  it("applies per-artifact overrides over the default strategy", async () => {
    const tenantId = uniqueId("tenant");
    for (const key of ["invoice-approval", "invoice-reminder", "invoice-dashboard", "overdue-report"]) {
      await harness.seed(tenantId, key);
    }
    const install = installOf(harness.packageNamed("acme-invoice-workflows"), {
      tenantId,
      version: "3.0.0",
      defaultStrategy: "Skip",
      overrides: {
        "invoice-reminder": "Overwrite",
        "invoice-dashboard": "Rename",
        "overdue-report": "Overwrite",
      },
    });
    await harness.publishInstall(install, "WARN");
    const events = await harness.outcomeOf(install);

    expect(
      ofType(events, "ArtifactInstalled").map((event) => [event.key, event.action, event.resultingKey]),
    ).toEqual([
      ["invoice-approval", "Skipped", "invoice-approval"],
      ["invoice-reminder", "Overwritten", "invoice-reminder"],
      ["invoice-dashboard", "Renamed", "invoice-dashboard-2"],
      ["overdue-report", "Overwritten", "overdue-report"],
      ["vendor-sync", "Created", "vendor-sync"],
    ]);
    expect(ofType(events, "InstallSucceeded")[0]).toMatchObject({
      artifactsInstalled: 4,
      conflictsResolved: 4,
    });
    expect((await harness.snapshot(tenantId)).map((artifact) => artifact.key)).toEqual([
      "invoice-approval",
      "invoice-dashboard",
      "invoice-dashboard-2",
      "invoice-reminder",
      "overdue-report",
      "vendor-sync",
    ]);
  });
});

describe("installer: rollback and dry run", () => {
  it("rolls back exactly when a Fail conflict comes after applied artifacts, and names the artifact", async () => {
    const { tenantId, before } = await harness.seededTenant(
      "invoice-dashboard",
      "invoice-approval",
      "unrelated",
    );
    // Manifest order: invoice-dashboard (Overwrite), overdue-report (new), invoice-approval (Fail), reporting-schedule.
    const install = installOf(harness.packageNamed("acme-reporting-pack"), {
      tenantId,
      defaultStrategy: "Overwrite",
      overrides: { "invoice-approval": "Fail" },
    });
    await harness.publishInstall(install);
    const events = await harness.outcomeOf(install);

    expect(events.map((event) => event.type)).toEqual([
      "ImportStarted",
      "ArtifactInstalled",
      "ArtifactInstalled",
      "InstallFailed",
    ]);
    expect(ofType(events, "ArtifactInstalled").map((event) => event.action)).toEqual([
      "Overwritten",
      "Created",
    ]);
    const failed = ofType(events, "InstallFailed")[0];
    expect(failed).toMatchObject({ stage: "Installing", error: "ConflictFailed", rolledBack: true });
    expect(failed?.message).toContain('"invoice-approval"');
    expect(await harness.snapshot(tenantId)).toEqual(before);

    expect(await harness.record(install.importId)).toMatchObject({
      status: "Failed",
      rolledBack: true,
      artifactsInstalled: 0,
      error: { code: "ConflictFailed" },
    });
    const audit = await harness.auditLog(install.importId);
    expect(audit.map((entry) => [entry.action, entry.artifactKey])).toEqual([
      ["ImportStarted", null],
      ["ArtifactApplied", "invoice-dashboard"],
      ["ArtifactApplied", "overdue-report"],
      ["RolledBack", "overdue-report"],
      ["RolledBack", "invoice-dashboard"],
      ["ImportFailed", null],
    ]);
    const dashboardBefore = before.find((artifact) => artifact.key === "invoice-dashboard");
    expect(audit[4]).toMatchObject({
      beforeVersionId: `${install.importId}/1`,
      afterVersionId: dashboardBefore?.versionId,
    });
  });

  it("rolls back through a Renamed step: the renamed copy is removed, the original it sat beside untouched", async () => {
    const { tenantId, before } = await harness.seededTenant("invoice-dashboard", "invoice-approval");
    // Manifest order: invoice-dashboard (Rename → invoice-dashboard-2), overdue-report (new), invoice-approval (Fail).
    const install = installOf(harness.packageNamed("acme-reporting-pack"), {
      tenantId,
      defaultStrategy: "Rename",
      overrides: { "invoice-approval": "Fail" },
    });
    await harness.publishInstall(install);
    const events = await harness.outcomeOf(install);

    expect(
      ofType(events, "ArtifactInstalled").map((event) => [event.key, event.action, event.resultingKey]),
    ).toEqual([
      ["invoice-dashboard", "Renamed", "invoice-dashboard-2"],
      ["overdue-report", "Created", "overdue-report"],
    ]);
    expect(ofType(events, "InstallFailed")[0]).toMatchObject({ error: "ConflictFailed", rolledBack: true });
    expect(await harness.snapshot(tenantId)).toEqual(before);
    const rolledBack = (await harness.auditLog(install.importId)).filter(
      (entry) => entry.action === "RolledBack",
    );
    expect(
      rolledBack.map(({ artifactKey, resultingKey, beforeVersionId, afterVersionId, message }) => ({
        artifactKey,
        resultingKey,
        beforeVersionId,
        afterVersionId,
        message,
      })),
    ).toEqual([
      {
        artifactKey: "overdue-report",
        resultingKey: "overdue-report",
        beforeVersionId: `${install.importId}/2`,
        afterVersionId: null,
        message: "removed",
      },
      {
        artifactKey: "invoice-dashboard",
        resultingKey: "invoice-dashboard-2",
        beforeVersionId: `${install.importId}/1`,
        afterVersionId: null,
        message: "removed",
      },
    ]);
  });

  it("a dry run plans every artifact, writes nothing to the tenant, and records the plan", async () => {
    const { tenantId, before } = await harness.seededTenant("invoice-approval", "overdue-report");
    const install = installOf(harness.packageNamed("acme-invoice-workflows"), {
      tenantId,
      version: "2.1.0",
      defaultStrategy: "Rename",
      overrides: { "overdue-report": "Skip" },
      dryRun: true,
    });
    await harness.publishInstall(install);
    const events = await harness.outcomeOf(install);

    expect(events.map((event) => event.type)).toEqual(["ImportStarted", "InstallSucceeded"]);
    expect(ofType(events, "ImportStarted")[0]).toMatchObject({ total: 5, dryRun: true });
    expect(ofType(events, "InstallSucceeded")[0]).toMatchObject({
      dryRun: true,
      artifactsInstalled: 4,
      conflictsResolved: 2,
      plan: [
        { key: "invoice-approval", action: "Renamed", resultingKey: "invoice-approval-2" },
        { key: "invoice-reminder", action: "Created", resultingKey: "invoice-reminder" },
        { key: "invoice-dashboard", action: "Created", resultingKey: "invoice-dashboard" },
        { key: "overdue-report", action: "Skipped", resultingKey: "overdue-report" },
        { key: "vendor-sync", action: "Created", resultingKey: "vendor-sync" },
      ],
    });
    expect(await harness.snapshot(tenantId)).toEqual(before);
    expect(await harness.record(install.importId)).toMatchObject({ dryRun: true, status: "Success" });
    const audit = await harness.auditLog(install.importId);
    expect(audit.map((entry) => entry.action)).toEqual([
      "ImportStarted",
      ...Array(5).fill("ArtifactPlanned"),
      "ImportSucceeded",
    ]);
  });

  it("a dry run that would meet a Fail conflict fails without touching the tenant", async () => {
    const { tenantId, before } = await harness.seededTenant("vendor-sync");
    const install = installOf(harness.packageNamed("acme-invoice-workflows"), {
      tenantId,
      version: "3.0.0",
      defaultStrategy: "Fail",
      dryRun: true,
    });
    await harness.publishInstall(install);
    const events = await harness.outcomeOf(install);
    expect(events.map((event) => event.type)).toEqual(["ImportStarted", "InstallFailed"]);
    expect(ofType(events, "InstallFailed")[0]).toMatchObject({
      error: "ConflictFailed",
      details: { artifactKey: "vendor-sync", index: 5 },
    });
    expect(await harness.snapshot(tenantId)).toEqual(before);
  });
});

describe("installer: the archive and earlier failures", () => {
  it("imports nothing when the CDN serves bytes other than the scanned ones", async () => {
    const tenantId = uniqueId("tenant");
    const install = installOf(harness.packageNamed("tampered-dashboards"), { tenantId });
    await harness.publishInstall(install);
    const events = await harness.outcomeOf(install);

    expect(events.map((event) => event.type)).toEqual(["InstallFailed"]);
    expect(events[0]).toMatchObject({ stage: "Installing", error: "ArchiveChanged", rolledBack: true });
    expect(await harness.snapshot(tenantId)).toEqual([]);
    expect(await harness.record(install.importId)).toMatchObject({
      status: "Failed",
      error: { code: "ArchiveChanged" },
    });
    expect((await harness.auditLog(install.importId)).map((entry) => entry.action)).toEqual(["ImportFailed"]);
  });

  it("imports nothing when the verdict approved other files than the archive holds", async () => {
    const tenantId = uniqueId("tenant");
    const install = installOf(harness.packageNamed("community-kanban-widgets"), { tenantId });
    const verdict = harness.verdictFor(install);
    const [first, ...rest] = verdict.approvedFiles!;
    const approvedFiles = [{ path: first!.path, sha256: sha256Hex(Buffer.from("other bytes")) }, ...rest];
    await harness.bus.publisher.publish([install.requested, { ...verdict, approvedFiles }]);
    const events = await harness.outcomeOf(install);

    expect(events.map((event) => event.type)).toEqual(["InstallFailed"]);
    expect(events[0]).toMatchObject({
      stage: "Installing",
      error: "ArchiveChanged",
      rolledBack: true,
      details: { changed: [first!.path], unapproved: [], missing: [] },
    });
    expect(await harness.snapshot(tenantId)).toEqual([]);
  });

  it("imports nothing for a verdict from before approved file lists, and says to install again", async () => {
    const tenantId = uniqueId("tenant");
    const install = installOf(harness.packageNamed("community-kanban-widgets"), { tenantId });
    await harness.bus.publisher.publish([install.requested, verdictOf(install, "WARN")]);
    const events = await harness.outcomeOf(install);

    expect(events.map((event) => event.type)).toEqual(["InstallFailed"]);
    expect(events[0]).toMatchObject({ stage: "Installing", error: "RescanRequired", rolledBack: true });
    expect(await harness.snapshot(tenantId)).toEqual([]);
  });

  it("imports contiguous and old-style files with the bytes the scanner approved", async () => {
    const archive = hostileArchive("contiguous-file");
    const tenantId = uniqueId("tenant");
    const install = installOf(await craftedPackage(archive.bytes, 2), { tenantId });
    const { files } = await readArchive(archive.bytes, {
      maxEntries: 1000,
      maxUnpackedBytes: 1 << 20,
      maxCompressionRatio: 200,
    });
    await harness.bus.publisher.publish([
      install.requested,
      verdictOf(install, "WARN", approvedFilesOf(files)),
    ]);
    const events = await harness.outcomeOf(install);

    expect(ofType(events, "InstallSucceeded")).toHaveLength(1);
    expect((await harness.snapshot(tenantId)).map(({ key, content }) => [key, content])).toEqual([
      ["artifact-1", '{"a":"contiguous"}'],
      ["artifact-2", '{"b":"old file"}'],
    ]);
  });

  it("imports nothing from an archive the reader refuses, even with a forged approval", async () => {
    const archive = hostileArchive("duplicates");
    const tenantId = uniqueId("tenant");
    const install = installOf(await craftedPackage(archive.bytes, 1), { tenantId });
    const forged = approvedFilesOf(
      new Map([
        ["artifacts/a.json", Buffer.from('{"a":"second"}')],
        ["manifest.json", Buffer.from(JSON.stringify({}))],
      ]),
    );
    await harness.bus.publisher.publish([install.requested, verdictOf(install, "PASS", forged)]);
    const events = await harness.outcomeOf(install);

    expect(events.map((event) => event.type)).toEqual(["InstallFailed"]);
    expect(events[0]).toMatchObject({ error: "InvalidPackage", rolledBack: true });
    expect(await harness.snapshot(tenantId)).toEqual([]);
  });

  it("ignores a FAIL verdict and records the scanner's InstallFailed so the audit-log link resolves", async () => {
    const tenantId = uniqueId("tenant");
    const install = installOf(harness.packageNamed("shady-toolkit"), { tenantId });
    await harness.publishInstall(install, "FAIL");
    const { installId, packageId, version } = install.requested;
    await harness.bus.publisher.publish({
      type: "InstallFailed",
      installId,
      tenantId,
      packageId,
      version,
      occurredAt: new Date().toISOString(),
      importId: install.importId,
      stage: "SecurityScan",
      error: "SecurityScanFailed",
      message: "Package scan returned FAIL — installation blocked",
      rolledBack: true,
    });
    const record = await waitFor(() => harness.record(install.importId).then((found) => found ?? undefined), {
      timeoutMs: 60_000,
      what: "the import record of a scan failure",
    });
    expect(record).toMatchObject({
      status: "Failed",
      rolledBack: true,
      error: { code: "SecurityScanFailed" },
    });
    expect((await harness.auditLog(install.importId)).map((entry) => entry.action)).toEqual(["ImportFailed"]);
    await harness.bus.caughtUp();
    expect(ofType(harness.bus.eventsOf(installId), "ImportStarted")).toEqual([]);
    expect(await harness.snapshot(tenantId)).toEqual([]);
  });

  it("a redelivered verdict of a finished import writes and emits nothing", async () => {
    const tenantId = uniqueId("tenant");
    const install = installOf(harness.packageNamed("community-kanban-widgets"), { tenantId });
    await harness.publishInstall(install);
    const first = await harness.outcomeOf(install);
    const tenant = await harness.snapshot(tenantId);
    const audit = await harness.auditLog(install.importId);

    await harness.publishInstall(install);
    // Once the installer has committed the redelivery, it was handled; the bus then reads to the end.
    await harness.bus.groupCaughtUp(consumerGroupId(harness.config, "installer"));
    await harness.bus.caughtUp();

    expect(await harness.outcomeOf(install)).toEqual(first);
    expect(await harness.snapshot(tenantId)).toEqual(tenant);
    expect(await harness.auditLog(install.importId)).toEqual(audit);
  });
});
