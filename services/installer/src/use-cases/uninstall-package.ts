import type { HandlerContext, InstallEventOf, Logger } from "@installhub/shared";
import { isInstalled } from "../domain/installed-package.ts";
import { type ImportJournal, unfinished } from "../domain/journal.ts";
import { cancelledFailure, newUninstallJournal, notInstalledFailure } from "../domain/lifecycle-journal.ts";
import { planUninstall } from "../domain/uninstall-plan.ts";
import type { InstallerDeps } from "./installer-deps.ts";
import {
  type ArtifactSource,
  applyEachArtifact,
  endWithFailure,
  finishImport,
  internalFailure,
  recordWhatWasApplied,
} from "./run-journal.ts";

type UninstallRequest = InstallEventOf<"UninstallRequested">;

/** An uninstall writes no artifact text. */
const nothingToWrite: ArtifactSource = { contents: { artifactContent: new Map() } };

/**
 * An uninstall, in the tenant's order of operations (its events share the tenant's partition, so it
 * runs after every install of the tenant accepted before it): look up what is installed → plan →
 * remove each artifact → record → emit. It is an import journal whose steps remove (`Removed`) or
 * keep (`Kept`) artifacts, run by the import's own machinery: a crash resumes it, a redelivery changes
 * nothing, a failure or a cancel puts back exactly what it removed (docs/lifecycle.md).
 */
export async function uninstallPackage(
  deps: InstallerDeps,
  request: UninstallRequest,
  context: HandlerContext,
): Promise<void> {
  let journal = await deps.journals.find(request.importId);
  if (!journal) {
    journal = await deps.journals.create(await planOf(deps, request));
  } else if (!journal.failure && unfinished(journal)) {
    journal = await recordWhatWasApplied(deps, journal);
  }
  if (!journal.failure && unfinished(journal)) {
    journal = await applyEachArtifact(deps, journal, nothingToWrite);
  }
  await finishImport(deps, journal, context.logger);
}

async function planOf(deps: InstallerDeps, request: UninstallRequest): Promise<ImportJournal> {
  const startedAt = deps.now().toISOString();
  const cancel = await deps.cancellations.find(request.installId);
  const installed = await deps.installed.find(request.tenantId, request.packageId);
  if (cancel) {
    const failure = cancelledFailure(cancel, startedAt, { stage: "Queued" });
    return newUninstallJournal(request, installed, startedAt, null, failure);
  }
  if (!isInstalled(installed)) {
    return newUninstallJournal(request, installed, startedAt, null, notInstalledFailure(request, startedAt));
  }
  const existing = await deps.artifacts.stateFor(
    request.tenantId,
    installed.artifacts.map((artifact) => artifact.resultingKey),
  );
  const steps = planUninstall({
    owned: installed.artifacts,
    existing: existing.existing,
    force: request.force,
  });
  return newUninstallJournal(request, installed, startedAt, steps, null);
}

/**
 * Ends an uninstall that cannot be carried out (a store refusing a write, invalid data, a bug) the way
 * a failed import ends (`endWithFailure`): failure in the journal, what was removed put back,
 * `UninstallFailed` `InternalError`.
 */
export async function failUninstall(
  deps: InstallerDeps,
  request: UninstallRequest,
  error: unknown,
  logger: Logger,
): Promise<void> {
  const failure = internalFailure("uninstall", error, deps.now().toISOString());
  const journalOf = async () =>
    (await deps.journals.find(request.importId)) ??
    (await deps.journals.create(
      newUninstallJournal(request, null, failure.at, null, { ...failure, rolledBack: false }),
    ));
  const { installId, tenantId, packageId, version, importId } = request;
  const head = {
    type: "UninstallFailed" as const,
    ...{ installId, tenantId, packageId, version, importId, stage: "Uninstalling" as const },
  };
  await endWithFailure(deps, failure, journalOf, head, logger);
}
