import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { cancellationsOf, examplesRoot, type RunningWorker, sha256Hex } from "@installhub/shared";
import {
  fixtureBase,
  fixturePackage,
  gzipTar,
  hostileArchives,
  type TarPart,
  tarOf,
  uniqueId,
  waitFor,
} from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanVerdictStore, scanVerdictsCollection } from "../src/data-access/scan-verdicts.ts";
import { startScanner } from "../src/service.ts";
import {
  type Harness,
  ofType,
  requestFor,
  requestForArchive,
  settle,
  startHarness,
  waitForOutcome,
} from "./harness.ts";

let harness: Harness;
let scanner: RunningWorker;

beforeAll(async () => {
  harness = await startHarness("scanner", { DOWNLOAD_TIMEOUT_MS: "10000" });
  scanner = await startScanner(harness.config);
});

afterAll(async () => {
  await scanner?.stop();
  await harness?.close();
});

const findingsOf = (events: Awaited<ReturnType<typeof waitForOutcome>>) =>
  ofType(events, "SecurityScanCompleted")[0]?.findings.map((f) => [f.ruleId, f.file]);

describe("scanner over Kafka, the registry, MongoDB and the dev CDN", () => {
  it("passes a clean Verified package: Downloading, Scanning, PASS bound to the catalog's digest", async () => {
    const request = await requestFor(harness.mongo.db, uniqueId("tenant"), "acme-invoice-workflows", "3.0.0");
    await harness.bus.publisher.publish(request);
    const events = await waitForOutcome(harness.bus, request);
    expect(events.map((e) => (e.type === "SecurityScanStarted" ? `${e.type}:${e.phase}` : e.type))).toEqual([
      "InstallRequested",
      "SecurityScanStarted:Downloading",
      "SecurityScanStarted:Scanning",
      "SecurityScanCompleted",
    ]);
    const completed = ofType(events, "SecurityScanCompleted")[0]!;
    expect(completed).toMatchObject({ verdict: "PASS", findings: [], archiveSha256: request.archive.sha256 });
    const folder = join(examplesRoot, "packages/acme-invoice-workflows/3.0.0");
    expect(completed.approvedFiles?.map((file) => file.path)).toEqual([
      "artifacts/invoice-approval.json",
      "artifacts/invoice-dashboard.json",
      "artifacts/invoice-reminder.json",
      "artifacts/overdue-report.json",
      "artifacts/vendor-sync.js",
      "manifest.json",
    ]);
    expect(completed.approvedFiles?.at(-1)?.sha256).toBe(
      sha256Hex(await readFile(join(folder, "manifest.json"))),
    );
  });

  it("blocks shady-toolkit on EICAR with the spec's failed status", async () => {
    const request = await requestFor(harness.mongo.db, uniqueId("tenant"), "shady-toolkit", "1.0.0");
    await harness.bus.publisher.publish(request);
    const events = await waitForOutcome(harness.bus, request);
    const completed = ofType(events, "SecurityScanCompleted")[0];
    expect(completed?.verdict).toBe("FAIL");
    expect(findingsOf(events)).toEqual([["malware.eicar", "artifacts/cleanup-helper.txt"]]);
    const failed = ofType(events, "InstallFailed")[0]!;
    expect({
      stage: failed.stage,
      error: failed.error,
      message: failed.message,
      rolledBack: failed.rolledBack,
    }).toEqual({
      stage: "SecurityScan",
      error: "SecurityScanFailed",
      message: "Package scan returned FAIL — installation blocked",
      rolledBack: true,
    });
    expect(failed.importId).toBe(request.importId);
    expect(failed.details).toMatchObject({ findings: [{ ruleId: "malware.eicar" }] });
  });

  it("fails tampered-dashboards on integrity, naming both digests, without scanning the bytes", async () => {
    const request = await requestFor(harness.mongo.db, uniqueId("tenant"), "tampered-dashboards", "1.0.0");
    await harness.bus.publisher.publish(request);
    const events = await waitForOutcome(harness.bus, request);
    const completed = ofType(events, "SecurityScanCompleted")[0]!;
    const served = await readFile(join(harness.market.cdnRoot, request.archive.path));
    const { sha256Hex } = await import("@installhub/shared");
    expect(completed.verdict).toBe("FAIL");
    expect(completed.archiveSha256).toBe(sha256Hex(served));
    expect(findingsOf(events)).toEqual([["integrity.digest-mismatch", request.archive.path]]);
    expect(ofType(events, "SecurityScanStarted").map((e) => e.phase)).toEqual(["Downloading"]);
    const failed = ofType(events, "InstallFailed")[0]!;
    expect(failed).toMatchObject({ stage: "SecurityScan", error: "IntegrityCheckFailed", rolledBack: true });
    expect(failed.message).toContain(request.archive.sha256);
    expect(failed.message).toContain(sha256Hex(served));
  });

  it("lets an unsigned Community package proceed with a WARN and nothing else", async () => {
    const tenantId = uniqueId("tenant");
    const request = await requestFor(harness.mongo.db, tenantId, "community-kanban-widgets", "1.0.0");
    await harness.bus.publisher.publish(request);
    const events = await waitForOutcome(harness.bus, request);
    expect(ofType(events, "SecurityScanCompleted")[0]).toMatchObject({
      verdict: "WARN",
      findings: [
        {
          ruleId: "signature.unsigned-community",
          severity: "warning",
          file: request.archive.path,
          message: "unsigned Community package",
        },
      ],
    });
    await settle(harness);
    expect(ofType(harness.bus.eventsOf(request.installId), "InstallFailed")).toEqual([]);
  });

  it("fails a validly signed archive of one package or version listed as another (mix-and-match)", async () => {
    const db = harness.mongo.db;
    const genuine = await requestFor(db, uniqueId("tenant"), "acme-invoice-workflows", "3.0.0");
    const listedAs = await Promise.all(
      [
        ["acme-reporting-pack", "1.0.0"],
        ["acme-invoice-workflows", "2.1.0"],
      ].map(async ([packageId, version]) => ({
        ...(await requestFor(db, uniqueId("tenant"), packageId!, version!)),
        archive: genuine.archive,
      })),
    );
    await harness.bus.publisher.publish(listedAs);
    for (const request of listedAs) {
      const events = await waitForOutcome(harness.bus, request);
      expect(ofType(events, "SecurityScanCompleted")[0]?.verdict).toBe("FAIL");
      expect(findingsOf(events)).toContainEqual(["signature.invalid", genuine.archive.path]);
    }
  });

  const malicious: { name: string; entry: TarPart & { header: { name: string } }; rule: string }[] = [
    {
      name: "a ../ path",
      entry: { header: { name: "../../etc/cron.d/evil" }, body: "* * * * * root sh" },
      rule: "archive.path-traversal",
    },
    {
      name: "an absolute path",
      entry: { header: { name: "/etc/passwd" }, body: "root::0:0::/:/bin/sh" },
      rule: "archive.absolute-path",
    },
    {
      name: "a symlink",
      entry: { header: { name: "artifacts/link", type: "2", linkname: "/etc/shadow" } },
      rule: "archive.symlink",
    },
  ];
  for (const { name, entry, rule } of malicious) {
    it(`fails an archive with ${name}, naming the entry`, async () => {
      const bytes = gzipTar(tarOf([...fixtureBase(), entry]));
      const request = await requestForArchive(harness.market, uniqueId("tenant"), bytes);
      await harness.bus.publisher.publish(request);
      const events = await waitForOutcome(harness.bus, request);
      expect(ofType(events, "SecurityScanCompleted")[0]?.verdict).toBe("FAIL");
      expect(findingsOf(events)).toContainEqual([rule, entry.header.name]);
      expect(ofType(events, "InstallFailed")[0]).toMatchObject({
        stage: "SecurityScan",
        error: "SecurityScanFailed",
      });
    });
  }

  // Issue 10: one verdict per archive class, through download, the one archive reader, the manifest
  // checks and the content rules. Published together; each install has its own tenant.
  it("gives each hostile archive class its verdict, and approves exactly the files of a PASS", async () => {
    const archives = hostileArchives();
    const requests = await Promise.all(
      archives.map((archive) =>
        requestForArchive(harness.market, uniqueId("tenant"), archive.bytes, fixturePackage.id),
      ),
    );
    await harness.bus.publisher.publish(requests);
    for (const [i, archive] of archives.entries()) {
      const events = await waitForOutcome(harness.bus, requests[i]!);
      const completed = ofType(events, "SecurityScanCompleted")[0];
      // requestForArchive makes an unsigned Community install: a clean archive scans WARN for that alone.
      expect(completed?.verdict, archive.name).toBe(archive.verdict === "PASS" ? "WARN" : "FAIL");
      const archiveFindings = findingsOf(events)?.filter(([rule]) => rule?.startsWith("archive."));
      expect(archiveFindings, archive.name).toEqual(archive.findings);
      if (archive.verdict === "PASS") {
        expect(findingsOf(events), archive.name).toEqual([
          ["signature.unsigned-community", requests[i]!.archive.path],
        ]);
        expect(
          completed?.approvedFiles?.map((file) => file.path),
          archive.name,
        ).toEqual(archive.files);
      } else {
        expect(completed?.approvedFiles, archive.name).toBeUndefined();
        expect(ofType(events, "InstallFailed")[0], archive.name).toMatchObject({
          error: "SecurityScanFailed",
        });
      }
    }
  });

  it("fails a gzip bomb on its compression ratio", async () => {
    const bytes = gzipTar(
      tarOf([...fixtureBase(), { header: { name: "artifacts/b.json" }, body: " ".repeat(12 * 1024 * 1024) }]),
    );
    const request = await requestForArchive(harness.market, uniqueId("tenant"), bytes);
    await harness.bus.publisher.publish(request);
    const events = await waitForOutcome(harness.bus, request);
    expect(ofType(events, "SecurityScanCompleted")[0]?.verdict).toBe("FAIL");
    expect(findingsOf(events)).toContainEqual(["archive.compression-ratio", "(archive)"]);
  });

  it("retries a CDN answering 500 twice, then passes", async () => {
    const request = await requestFor(harness.mongo.db, uniqueId("tenant"), "acme-invoice-workflows", "2.1.0");
    let failures = 0;
    harness.market.cdn.setFault((incoming, response) => {
      if (!incoming.url?.endsWith(request.archive.path) || failures >= 2) return false;
      failures += 1;
      response.writeHead(500).end("try again");
      return true;
    });
    try {
      await harness.bus.publisher.publish(request);
      const events = await waitForOutcome(harness.bus, request);
      expect(ofType(events, "SecurityScanCompleted")[0]?.verdict).toBe("PASS");
      expect(harness.market.cdn.requests.filter((path) => path === request.archive.path)).toHaveLength(3);
    } finally {
      harness.market.cdn.setFault(undefined);
    }
  });

  it("ends the install at Downloading when the CDN has no such archive", async () => {
    const request = await requestFor(harness.mongo.db, uniqueId("tenant"), "acme-reporting-pack", "1.0.0");
    request.archive.path = "packages/acme-reporting-pack/gone-1.0.0.tgz";
    await harness.bus.publisher.publish(request);
    const events = await waitForOutcome(harness.bus, request);
    expect(ofType(events, "SecurityScanCompleted")).toEqual([]);
    expect(ofType(events, "InstallFailed")[0]).toMatchObject({
      stage: "Downloading",
      error: "ArchiveNotFound",
      message:
        "Package download failed: the CDN has no archive at packages/acme-reporting-pack/gone-1.0.0.tgz (HTTP 404)",
      rolledBack: true,
      importId: request.importId,
    });
  });

  it("ends a cancelled install before downloading it: InstallCancelled at Queued, nothing rolled back, and the same on redelivery", async () => {
    const tenantId = uniqueId("tenant");
    const request = await requestFor(harness.mongo.db, tenantId, "acme-invoice-workflows", "3.0.0");
    const cancel = {
      type: "InstallCancelRequested" as const,
      installId: request.installId,
      tenantId,
      packageId: request.packageId,
      version: request.version,
      occurredAt: new Date().toISOString(),
      requestedBy: { userId: "canceller", email: "canceller@example.test" },
    };
    // What the gateway records when it accepts a cancel.
    await cancellationsOf(harness.mongo.db).insertOne({
      _id: request.installId,
      tenantId,
      requestedAt: cancel.occurredAt,
      requestJson: JSON.stringify(cancel),
      published: false,
    });
    await harness.bus.publisher.publish(request);
    const events = await waitForOutcome(harness.bus, request);
    expect(events.map((event) => event.type)).toEqual(["InstallRequested", "InstallFailed"]);
    expect(events[1]).toMatchObject({
      stage: "Queued",
      error: "InstallCancelled",
      message: "Cancelled by canceller before anything was changed",
      rolledBack: false,
    });
    await harness.bus.publisher.publish(request);
    await settle(harness);
    expect(ofType(harness.bus.eventsOf(request.installId), "InstallFailed")).toHaveLength(1);
  });

  it("does nothing for a redelivered request whose verdict was published", async () => {
    const tenantId = uniqueId("tenant");
    const request = await requestFor(harness.mongo.db, tenantId, "acme-invoice-workflows", "3.0.0");
    await harness.bus.publisher.publish(request);
    await waitForOutcome(harness.bus, request);
    await harness.bus.publisher.publish(request);
    await settle(harness);
    const events = harness.bus.eventsOf(request.installId);
    expect(ofType(events, "InstallRequested")).toHaveLength(2);
    expect(ofType(events, "SecurityScanStarted")).toHaveLength(2);
    expect(ofType(events, "SecurityScanCompleted")).toHaveLength(1);
    const stored = await scanVerdictStore(harness.mongo.db).find(request.installId);
    expect(stored).toMatchObject({ verdict: "PASS", archiveSha256: request.archive.sha256 });
    expect(stored?.publishedAt).toBeInstanceOf(Date);
  });

  it("re-publishes a stored but unpublished verdict instead of computing a new one", async () => {
    const request = await requestFor(harness.mongo.db, uniqueId("tenant"), "acme-invoice-workflows", "3.0.0");
    const storedFinding = {
      ruleId: "test.stored",
      severity: "warning" as const,
      file: "x",
      message: "decided before a crash",
    };
    await scanVerdictStore(harness.mongo.db).record(request, {
      verdict: "WARN",
      archiveSha256: request.archive.sha256,
      events: [
        {
          type: "SecurityScanCompleted",
          installId: request.installId,
          tenantId: request.tenantId,
          packageId: request.packageId,
          version: request.version,
          occurredAt: "2026-05-25T10:30:00.000Z",
          verdict: "WARN",
          findings: [storedFinding],
          archiveSha256: request.archive.sha256,
        },
      ],
    });
    await harness.bus.publisher.publish(request);
    const events = await waitForOutcome(harness.bus, request);
    expect(ofType(events, "SecurityScanStarted")).toEqual([]);
    expect(ofType(events, "SecurityScanCompleted")[0]).toMatchObject({
      verdict: "WARN",
      findings: [storedFinding],
    });
    await waitFor(
      async () =>
        (
          await harness.mongo.db
            .collection(scanVerdictsCollection)
            .findOne({ _id: request.installId as never })
        )?.publishedAt instanceof Date,
      { timeoutMs: 60_000, what: "publishedAt" },
    );
  });
});
