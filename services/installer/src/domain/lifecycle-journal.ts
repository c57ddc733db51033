import type { InstallEventOf, InstallStage } from "@installhub/shared";
import type { InstalledPackage } from "./installed-package.ts";
import { type ImportFailure, type ImportJournal, newJournal } from "./journal.ts";
import type { PlanStep } from "./plan.ts";

type UninstallRequest = InstallEventOf<"UninstallRequested">;
type CancelRequest = InstallEventOf<"InstallCancelRequested">;

/** The code every cancelled operation ends with (the spec's status vocabulary is unchanged). */
export const cancelledError = "InstallCancelled";

/**
 * The journal of an uninstall: the same journal an import keeps (docs/installer.md), its steps all
 * `Removed` or `Kept`, so applying, recording, resuming after a crash and rolling back are the import's.
 * `version` is the version the installer has on record, whatever the gateway saw when it accepted.
 */
export function newUninstallJournal(
  request: UninstallRequest,
  installed: InstalledPackage | null,
  startedAt: string,
  steps: PlanStep[] | null,
  failure: ImportFailure | null,
): ImportJournal {
  // No archive: an uninstall downloads nothing.
  const subject = { ...request, version: installed?.version ?? request.version, dryRun: false };
  return {
    ...newJournal(subject, "", startedAt, steps, failure),
    operation: "Uninstall",
    installedBefore: installed,
  };
}

/**
 * The failure of a cancelled operation. Before it changed anything (`steps` not planned yet) it is
 * reported at the stage it had reached and not rolled back; during it, everything applied is rolled
 * back first (the import's own rollback).
 */
export function cancelledFailure(
  cancel: CancelRequest,
  at: string,
  before: { stage: InstallStage } | undefined,
): ImportFailure {
  const by = cancel.requestedBy.userId;
  return before
    ? {
        error: cancelledError,
        message: `Cancelled by ${by} before anything was changed`,
        details: { cancelledBy: by, cancelRequestedAt: cancel.occurredAt },
        at,
        stage: before.stage,
        rolledBack: false,
      }
    : {
        error: cancelledError,
        message: `Cancelled by ${by}; everything it had applied was rolled back`,
        details: { cancelledBy: by, cancelRequestedAt: cancel.occurredAt },
        at,
      };
}

export function notInstalledFailure(request: UninstallRequest, at: string): ImportFailure {
  return {
    error: "PackageNotInstalled",
    message: `Package '${request.packageId}' is not installed in tenant ${request.tenantId}`,
    details: {},
    at,
    stage: "Uninstalling",
    rolledBack: false,
  };
}

export function downgradeFailure(installed: string, requested: string, at: string): ImportFailure {
  return {
    error: "DowngradeNotAllowed",
    message: `Version ${requested} is lower than the installed ${installed}; set 'allowDowngrade': true to install it`,
    details: { installedVersion: installed, requestedVersion: requested },
    at,
  };
}
