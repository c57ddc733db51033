import type { InstallEventOf, Logger } from "@installhub/shared";
import { earlierFailureOf } from "../domain/journal-outputs.ts";
import type { InstallerDeps } from "./installer-deps.ts";

/**
 * An install that failed before the import (scan, download) still gets an import record and an audit
 * entry, so the audit-log link in its failure notification resolves. The installer's own failures
 * are recorded by the import itself.
 */
export async function recordEarlierFailure(
  deps: InstallerDeps,
  failure: InstallEventOf<"InstallFailed">,
  logger: Logger,
): Promise<void> {
  if (failure.stage === "Installing") return;
  const request = await deps.requests.find(failure.installId);
  if (!request) {
    logger.warn("InstallFailed for an install whose request the installer never saw; no import record");
    return;
  }
  const { record, audit } = earlierFailureOf(request, failure);
  await deps.records.saveIfAbsent(record, audit);
}
