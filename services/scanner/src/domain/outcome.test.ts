import { InstallEvent } from "@installhub/shared";
import { exampleEvents } from "@installhub/shared/testing";
import { describe, expect, it } from "vitest";
import { finding } from "./findings.ts";
import { downloadFailedOutcome, internalErrorOutcome, scanOutcome, scanStarted } from "./outcome.ts";

const request = exampleEvents({
  installId: "mkt-install-abc",
  tenantId: "tenant-1",
  importId: "imp-1",
}).InstallRequested;
const at = new Date("2026-05-25T10:30:00.000Z");
const sha = "d".repeat(64);

describe("scan outcomes", () => {
  it("SecurityScanStarted carries the phase and validates", () => {
    expect(InstallEvent.parse(scanStarted(request, "Scanning", at))).toMatchObject({
      phase: "Scanning",
      installId: "mkt-install-abc",
    });
  });

  const approved = [{ path: "manifest.json", sha256: "e".repeat(64) }];

  it("PASS and WARN publish only the verdict, bound to the scanned digest and the approved files", () => {
    const warn = scanOutcome(
      request,
      [finding("signature.unsigned-community", "warning", "p", "unsigned Community package")],
      sha,
      at,
      approved,
    );
    expect(warn.verdict).toBe("WARN");
    expect(warn.events.map((e) => InstallEvent.parse(e).type)).toEqual(["SecurityScanCompleted"]);
    expect(warn.events[0]).toMatchObject({ verdict: "WARN", archiveSha256: sha, approvedFiles: approved });
    expect(scanOutcome(request, [], sha, at, approved).events[0]).toMatchObject({
      verdict: "PASS",
      approvedFiles: approved,
    });
  });

  it("FAIL also ends the install with the spec's failure", () => {
    const eicar = finding(
      "malware.eicar",
      "critical",
      "artifacts/x.txt",
      "EICAR antivirus test signature (line 2)",
    );
    const outcome = scanOutcome(
      request,
      [eicar, finding("url.insecure-scheme", "warning", "a", "b")],
      sha,
      at,
      approved,
    );
    const [completed, failed] = outcome.events.map((e) => InstallEvent.parse(e));
    expect(completed).not.toHaveProperty("approvedFiles");
    expect(failed).toMatchObject({
      type: "InstallFailed",
      importId: "imp-1",
      stage: "SecurityScan",
      error: "SecurityScanFailed",
      message: "Package scan returned FAIL — installation blocked",
      rolledBack: true,
      details: { archiveSha256: sha, findings: [eicar] },
    });
  });

  it("an integrity failure is reported as such, naming both digests", () => {
    const mismatch = finding(
      "integrity.digest-mismatch",
      "critical",
      "p.tgz",
      `archive sha256 is ${sha}, the catalog expects ${"a".repeat(64)}`,
    );
    const [, failed] = scanOutcome(request, [mismatch], sha, at).events;
    expect(failed).toMatchObject({ stage: "SecurityScan", error: "IntegrityCheckFailed", rolledBack: true });
    expect(failed && "message" in failed && failed.message).toContain("a".repeat(64));
  });

  it("a download failure ends the install at the Downloading stage", () => {
    const outcome = downloadFailedOutcome(
      request,
      { code: "ArchiveNotFound", message: "the CDN has no archive at x (HTTP 404)", attempts: 1 },
      at,
    );
    expect(outcome.verdict).toBe("NotScanned");
    expect(InstallEvent.parse(outcome.events[0])).toMatchObject({
      type: "InstallFailed",
      stage: "Downloading",
      error: "ArchiveNotFound",
      message: "Package download failed: the CDN has no archive at x (HTTP 404)",
      rolledBack: true,
    });
  });
});

describe("scan outcomes: the events in full", () => {
  const identity = {
    installId: "mkt-install-abc",
    tenantId: "tenant-1",
    packageId: request.packageId,
    version: request.version,
    occurredAt: "2026-05-25T10:30:00.000Z",
  };

  it("ends a scan that could not be carried out with InternalError, its reason cut at 2,000 characters", () => {
    const failed = (reason: string) => ({
      verdict: "NotScanned",
      archiveSha256: undefined,
      events: [
        {
          type: "InstallFailed",
          ...identity,
          importId: "imp-1",
          stage: "SecurityScan",
          error: "InternalError",
          message: "The security scan could not be carried out; the package was not installed",
          details: { reason },
          rolledBack: true,
        },
      ],
    });
    expect(internalErrorOutcome(request, "store refused the verdict", at)).toEqual(
      failed("store refused the verdict"),
    );
    expect(internalErrorOutcome(request, "x".repeat(2001), at)).toEqual(failed("x".repeat(2000)));
  });

  it("starts each phase with the install's identity and the given time", () => {
    expect(scanStarted(request, "Downloading", at)).toEqual({
      type: "SecurityScanStarted",
      ...identity,
      phase: "Downloading",
    });
  });

  it("passes without findings and approves no files unless told which", () => {
    expect(scanOutcome(request, [], sha, at)).toEqual({
      verdict: "PASS",
      archiveSha256: sha,
      events: [
        {
          type: "SecurityScanCompleted",
          ...identity,
          verdict: "PASS",
          findings: [],
          archiveSha256: sha,
          approvedFiles: [],
        },
      ],
    });
  });

  it("fails on the critical findings only, and passes them alone as details", () => {
    const critical = finding("secret.aws-access-key", "critical", "a.js", "AWS access key id (line 1)");
    const warning = finding("url.insecure-scheme", "warning", "b.json", "URL without TLS (line 1): http://x");
    const outcome = scanOutcome(request, [warning, critical], sha, at, [{ path: "a.js", sha256: sha }]);
    expect(outcome).toEqual({
      verdict: "FAIL",
      archiveSha256: sha,
      events: [
        {
          type: "SecurityScanCompleted",
          ...identity,
          verdict: "FAIL",
          findings: [warning, critical],
          archiveSha256: sha,
        },
        {
          type: "InstallFailed",
          ...identity,
          importId: "imp-1",
          stage: "SecurityScan",
          error: "SecurityScanFailed",
          message: "Package scan returned FAIL — installation blocked",
          details: { archiveSha256: sha, findings: [critical] },
          rolledBack: true,
        },
      ],
    });
  });

  it("reports an integrity failure by its message, among other critical findings", () => {
    const eicar = finding("malware.eicar", "critical", "x", "EICAR");
    const mismatch = finding(
      "integrity.digest-mismatch",
      "critical",
      "p.tgz",
      "archive sha256 is x, the catalog expects y",
    );
    const [, failed] = scanOutcome(request, [eicar, mismatch], sha, at).events;
    expect(failed).toMatchObject({
      error: "IntegrityCheckFailed",
      message: "Archive integrity check failed: archive sha256 is x, the catalog expects y",
    });
    // a warning named like an integrity rule is not an integrity failure
    const [, notIntegrity] = scanOutcome(
      request,
      [eicar, finding("integrity.note", "warning", "p", "n")],
      sha,
      at,
    ).events;
    expect(notIntegrity).toMatchObject({ error: "SecurityScanFailed" });
  });

  it("ends a download failure with the archive path and the attempts as details", () => {
    expect(
      downloadFailedOutcome(request, { code: "DownloadFailed", message: "timeout", attempts: 3 }, at),
    ).toEqual({
      verdict: "NotScanned",
      archiveSha256: undefined,
      events: [
        {
          type: "InstallFailed",
          ...identity,
          importId: "imp-1",
          stage: "Downloading",
          error: "DownloadFailed",
          message: "Package download failed: timeout",
          details: { archivePath: request.archive.path, attempts: 3 },
          rolledBack: true,
        },
      ],
    });
  });
});
