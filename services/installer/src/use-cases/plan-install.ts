import { sha256Hex } from "@installhub/shared";
import type { PackageContents } from "../domain/archive.ts";
import { installOperationOf, isInstalled } from "../domain/installed-package.ts";
import { conflictFailure, type ImportJournal, type InstallRequest, newJournal } from "../domain/journal.ts";
import { downgradeFailure } from "../domain/lifecycle-journal.ts";
import { planImport } from "../domain/plan.ts";
import { planUpgrade } from "../domain/upgrade-plan.ts";
import type { InstallerDeps } from "./installer-deps.ts";

/**
 * The journal of an install whose archive verified: what the tenant has installed decides what the
 * install is (docs/lifecycle.md). Not installed: a first install, planned as always (`planImport`).
 * Installed at another version or the same: an upgrade, downgrade or reinstall (`planUpgrade`), whose
 * own artifacts are updated rather than treated as conflicts — except a downgrade without
 * `allowDowngrade`, which fails `DowngradeNotAllowed` before anything is written. The journal keeps the
 * record it was planned on, so its success is recorded on exactly that revision.
 */
export async function planInstall(
  deps: Pick<InstallerDeps, "installed" | "artifacts">,
  request: InstallRequest,
  archiveSha256: string,
  contents: PackageContents,
  startedAt: string,
): Promise<ImportJournal> {
  const installed = await deps.installed.find(request.tenantId, request.packageId);
  const operation = installOperationOf(installed, request.version);
  const lifecycle = { operation, installedBefore: installed };
  if (operation === "Downgrade" && request.allowDowngrade !== true) {
    const failure = downgradeFailure(installed?.version ?? "", request.version, startedAt);
    return { ...newJournal(request, archiveSha256, startedAt, null, failure), ...lifecycle };
  }
  const artifacts = contents.manifest.artifacts;
  const owned = isInstalled(installed) ? installed.artifacts : [];
  const keys = new Set([...artifacts.map((artifact) => artifact.key), ...owned.map((a) => a.resultingKey)]);
  const tenant = await deps.artifacts.stateFor(request.tenantId, [...keys]);
  const common = { importId: request.importId, artifacts, conflict: request.conflict, ...tenant };
  const steps =
    operation === "Install"
      ? planImport(common)
      : planUpgrade({
          ...common,
          owned,
          contentSha256: new Map(
            [...contents.artifactContent].map(([key, text]) => [key, sha256Hex(Buffer.from(text, "utf8"))]),
          ),
          upgradeType: request.upgradeType ?? "Mixed",
        });
  const failing = request.dryRun ? steps.find((step) => step.action === "Fail") : undefined;
  const failure = failing ? conflictFailure(failing, request.tenantId, startedAt) : null;
  return { ...newJournal(request, archiveSha256, startedAt, steps, failure), ...lifecycle };
}
