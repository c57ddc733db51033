import {
  type CancellationReads,
  classifyFailure,
  DownloadError,
  describeError,
  downloadFromCdn,
  type EventPublisher,
  type InstallEventOf,
  type Logger,
  type UndecodableRecord,
} from "@installhub/shared";
import { clamavFindings } from "../clamav/clamav-findings.ts";
import type { ClamdClient } from "../clamav/clamd-client.ts";
import type { ScannerConfig } from "../config.ts";
import type { ScanVerdictDocument, ScanVerdicts } from "../data-access/scan-verdicts.ts";
import {
  cancelledOutcome,
  downloadFailedOutcome,
  internalErrorOutcome,
  type ScanOutcome,
  scanOutcome,
  scanStarted,
} from "../domain/outcome.ts";
import { type ScanPolicy, scanPackage } from "../domain/scan.ts";
import { digestFinding } from "../domain/verification.ts";

/** What the scan use case works with; `service.ts` builds it from the platform and config. */
export interface ScannerDeps {
  config: ScannerConfig;
  policy: ScanPolicy;
  verdicts: ScanVerdicts;
  publisher: EventPublisher;
  clamd: ClamdClient | undefined;
  /** Cancels the gateway accepted: asked before the download and before the verdict. */
  cancellations: CancellationReads;
  /** The clock of every timestamp in the outcome. */
  now: () => Date;
}

type Request = InstallEventOf<"InstallRequested">;

/**
 * Brings an install to exactly one scanner outcome: download, verify, inspect, decide, store, publish.
 * The outcome is stored before it is published, so a redelivery or a restart re-publishes the same
 * verdict and never computes a second one.
 */
export async function scanRequestedPackage(
  deps: ScannerDeps,
  request: Request,
  logger: Logger,
): Promise<void> {
  const stored = await deps.verdicts.find(request.installId);
  if (stored?.publishedAt) {
    logger.info({ verdict: stored.verdict }, "scan outcome already published; nothing to do");
    return;
  }
  const decided = stored ?? (await deps.verdicts.record(request, await decide(request, deps, logger)));
  await deps.publisher.publish(decided.events);
  await deps.verdicts.markPublished(request.installId);
  logVerdict(decided, logger);
}

/**
 * Ends an install whose scan failed deterministically (docs/design.md §8): the `InternalError` outcome is
 * stored and published like any verdict, so a redelivery republishes it; if even the verdict store
 * refuses it, the failure event is published directly.
 */
export async function failScan(deps: ScannerDeps, request: Request, error: unknown, logger: Logger) {
  const outcome = internalErrorOutcome(request, describeError(error), deps.now());
  try {
    const stored = await deps.verdicts.record(request, outcome);
    if (stored.publishedAt) return;
    await deps.publisher.publish(stored.events);
    await deps.verdicts.markPublished(request.installId);
  } catch (storeError) {
    if (classifyFailure(storeError) === "transient") throw storeError;
    logger.error({ err: storeError }, "the verdict store refuses the outcome; publishing it directly");
    await deps.publisher.publish(outcome.events);
  }
}

/**
 * An `InstallRequested` that cannot be decoded would never be scanned, so its install would wait
 * forever: the scanner, which owns the next step, ends it (`UndecodableEvent`) with what the record
 * still tells (its key and headers, or its JSON).
 */
export async function failUnreadableRequest(
  deps: Pick<ScannerDeps, "publisher" | "now">,
  record: UndecodableRecord & { installId: string },
  logger: Logger,
): Promise<void> {
  if (record.type !== "InstallRequested") return;
  if (!record.tenantId) {
    logger.warn({ installId: record.installId }, "undecodable request without a tenant; nothing to end");
    return;
  }
  await deps.publisher.publish({
    type: "InstallFailed",
    installId: record.installId,
    tenantId: record.tenantId,
    packageId: record.packageId ?? "unknown",
    version: record.version ?? "unknown",
    occurredAt: deps.now().toISOString(),
    stage: "Queued",
    error: "UndecodableEvent",
    message: "The install request could not be read, so the package was not installed",
    rolledBack: true,
    details: { reason: record.error.slice(0, 1000) },
  });
}

/**
 * The scan outcome, unless the install was cancelled: before the download (nothing is fetched) or
 * while it was scanned (a PASS or WARN is not passed on: the installer would only be told to stop).
 * A FAIL stands — the install ends either way, and the findings are worth knowing.
 */
async function decide(request: Request, deps: ScannerDeps, logger: Logger): Promise<ScanOutcome> {
  const { now } = deps;
  const early = await deps.cancellations.find(request.installId);
  if (early) return cancelledOutcome(request, early, "Queued", now());
  const outcome = await scan(request, deps, logger);
  if (outcome.verdict !== "PASS" && outcome.verdict !== "WARN") return outcome;
  const late = await deps.cancellations.find(request.installId);
  return late ? cancelledOutcome(request, late, "SecurityScan", now()) : outcome;
}

async function scan(request: Request, deps: ScannerDeps, logger: Logger): Promise<ScanOutcome> {
  const { now } = deps;
  await deps.publisher.publish(scanStarted(request, "Downloading", now()));
  let archive: { bytes: Buffer; sha256: string };
  try {
    archive = await downloadFromCdn(deps.config, request.archive.path, (attempt, reason) =>
      logger.warn({ attempt, reason }, "archive download failed; retrying"),
    );
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    return downloadFailedOutcome(request, error, now());
  }

  // Bytes that are not the catalog's are not looked into at all: the verdict is the mismatch.
  const mismatch = digestFinding(request, archive.sha256);
  if (mismatch) return scanOutcome(request, [mismatch], archive.sha256, now());

  // "Scanning" is said on its own only when the scan takes a while (clamd, a large archive); a quick
  // scan says it together with its verdict, in one send instead of two acks=all round trips.
  let announced: Promise<void> | undefined;
  const scanning = scanStarted(request, "Scanning", now());
  const slowScan = setTimeout(() => {
    announced = deps.publisher.publish(scanning);
    announced.catch(() => {}); // awaited below
  }, scanAnnouncedAfterMs);
  let outcome: ScanOutcome;
  try {
    const scan = await scanPackage(request, archive.bytes, deps.policy);
    const antivirus = deps.clamd ? await clamavFindings(scan.files, deps.clamd) : [];
    outcome = scanOutcome(
      request,
      [...scan.findings, ...antivirus],
      archive.sha256,
      now(),
      scan.approvedFiles,
    );
  } finally {
    clearTimeout(slowScan);
  }
  if (announced) {
    await announced;
    return outcome;
  }
  return { ...outcome, events: [scanning, ...outcome.events] };
}

/** How long a scan runs before its "Scanning" phase is published ahead of the verdict. */
const scanAnnouncedAfterMs = 250;

function logVerdict(decided: ScanVerdictDocument, logger: Logger): void {
  logger.info(
    {
      verdict: decided.verdict,
      archiveSha256: decided.archiveSha256,
      events: decided.events.map((e) => e.type),
    },
    "scan outcome published",
  );
}
