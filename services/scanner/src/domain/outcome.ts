import type { ApprovedFile, InstallEvent, InstallEventOf } from "@installhub/shared";
import { type Finding, verdictOf } from "./findings.ts";

type Request = InstallEventOf<"InstallRequested">;

/** The scanner's last word on an install: the events that carry it, decided once and stored. */
export interface ScanOutcome {
  verdict: "PASS" | "WARN" | "FAIL" | "NotScanned";
  archiveSha256: string | undefined;
  events: InstallEvent[];
}

export const scanFailedMessage = "Package scan returned FAIL — installation blocked";

function base(request: Request, at: Date) {
  return {
    installId: request.installId,
    tenantId: request.tenantId,
    packageId: request.packageId,
    version: request.version,
    occurredAt: at.toISOString(),
  };
}

export function scanStarted(
  request: Request,
  phase: "Downloading" | "Scanning",
  at: Date,
): InstallEventOf<"SecurityScanStarted"> {
  return { type: "SecurityScanStarted", ...base(request, at), phase };
}

/**
 * The verdict bound to the digest of the scanned bytes and, on PASS and WARN, to the files it approves
 * (the installer imports exactly those); a FAIL also ends the install and approves nothing.
 */
export function scanOutcome(
  request: Request,
  findings: Finding[],
  archiveSha256: string,
  at: Date,
  approvedFiles: ApprovedFile[] = [],
): ScanOutcome {
  const verdict = verdictOf(findings);
  const completed: InstallEventOf<"SecurityScanCompleted"> = {
    type: "SecurityScanCompleted",
    ...base(request, at),
    verdict,
    findings,
    archiveSha256,
  };
  if (verdict !== "FAIL") {
    return { verdict, archiveSha256, events: [{ ...completed, approvedFiles }] };
  }
  const critical = findings.filter((f) => f.severity === "critical");
  const integrity = critical.find((f) => f.ruleId.startsWith("integrity."));
  return {
    verdict,
    archiveSha256,
    events: [
      completed,
      installFailed(request, at, {
        stage: "SecurityScan",
        error: integrity ? "IntegrityCheckFailed" : "SecurityScanFailed",
        message: integrity ? `Archive integrity check failed: ${integrity.message}` : scanFailedMessage,
        details: { archiveSha256, findings: critical },
      }),
    ],
  };
}

/** The archive could not be fetched for good (404, too large, transient errors exhausted). */
export function downloadFailedOutcome(
  request: Request,
  failure: { code: string; message: string; attempts: number },
  at: Date,
): ScanOutcome {
  return {
    verdict: "NotScanned",
    archiveSha256: undefined,
    events: [
      installFailed(request, at, {
        stage: "Downloading",
        error: failure.code,
        message: `Package download failed: ${failure.message}`,
        details: { archivePath: request.archive.path, attempts: failure.attempts },
      }),
    ],
  };
}

/**
 * The scan could not be carried out at all — invalid data, a refused write, a bug — after its tries:
 * the install ends at the scanner with the stable code `InternalError` (docs/design.md §8).
 */
export function internalErrorOutcome(request: Request, reason: string, at: Date): ScanOutcome {
  return {
    verdict: "NotScanned",
    archiveSha256: undefined,
    events: [
      installFailed(request, at, {
        stage: "SecurityScan",
        error: "InternalError",
        message: "The security scan could not be carried out; the package was not installed",
        details: { reason: reason.slice(0, 2000) },
      }),
    ],
  };
}

/**
 * The install was cancelled (docs/lifecycle.md) before the scanner gave its verdict: it ends here, at
 * the stage it had reached, with nothing written to the tenant and so nothing rolled back.
 */
export function cancelledOutcome(
  request: Request,
  cancel: InstallEventOf<"InstallCancelRequested">,
  stage: "Queued" | "SecurityScan",
  at: Date,
): ScanOutcome {
  const by = cancel.requestedBy.userId;
  return {
    verdict: "NotScanned",
    archiveSha256: undefined,
    events: [
      {
        ...installFailed(request, at, {
          stage,
          error: "InstallCancelled",
          message: `Cancelled by ${by} before anything was changed`,
          details: { cancelledBy: by, cancelRequestedAt: cancel.occurredAt },
        }),
        rolledBack: false,
      },
    ],
  };
}

function installFailed(
  request: Request,
  at: Date,
  failure: Pick<InstallEventOf<"InstallFailed">, "stage" | "error" | "message" | "details">,
): InstallEventOf<"InstallFailed"> {
  // Nothing was written to the tenant before the scanner's decision, so there is nothing left to undo.
  return {
    type: "InstallFailed",
    ...base(request, at),
    importId: request.importId,
    ...failure,
    rolledBack: true,
  };
}
