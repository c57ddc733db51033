import { classifyFailure, type HandlerContext, type InstallEventOf } from "@installhub/shared";
import type { InstallerDeps } from "./installer-deps.ts";
import { failUninstall, uninstallPackage } from "./uninstall-package.ts";

type UninstallRequest = InstallEventOf<"UninstallRequested">;

/**
 * A tenant's operations apply in the order the gateway accepted them (their events share the tenant's
 * partition). An install reaches the installer only with its scan verdict, an uninstall at once: so an
 * uninstall accepted right after an install of the same tenant — an upgrade and then an uninstall,
 * submitted together — would overtake it. It waits instead for the tenant's installs accepted before it
 * (`installsInFlight`), and runs when the last of them has ended (docs/lifecycle.md). Waiting means
 * being recorded, not blocking the partition: the installs it waits for go on meanwhile.
 */
export async function uninstallInOrder(
  deps: InstallerDeps,
  request: UninstallRequest,
  context: HandlerContext,
): Promise<void> {
  // Started before (a redelivery, a replay): it has its journal, and no more waiting to do.
  if (await deps.journals.find(request.importId)) {
    await uninstallPackage(deps, request, context);
    return;
  }
  const waitingFor = await deps.waitingUninstalls.installsInFlight(request.tenantId);
  await deps.waitingUninstalls.add(request, Number(context.offset), waitingFor);
  if (waitingFor.length > 0) {
    context.logger.info({ waitingFor }, "uninstall waits for the tenant's installs accepted before it");
  }
  await runUninstallsNoLongerWaiting(deps, request.tenantId, context);
}

/** An install of the tenant ended (its InstallSucceeded or InstallFailed): uninstalls waiting for it may run. */
export async function installEnded(
  deps: InstallerDeps,
  ended: InstallEventOf<"InstallSucceeded"> | InstallEventOf<"InstallFailed">,
  context: HandlerContext,
): Promise<void> {
  await deps.waitingUninstalls.installEnded(ended.tenantId, ended.installId);
  await runUninstallsNoLongerWaiting(deps, ended.tenantId, context);
}

/**
 * Runs the tenant's waiting uninstalls in order, up to the first that still waits. One that cannot be
 * carried out is ended here (`failUninstall`): the event being handled may be another install's, whose
 * failure hook knows nothing of it.
 */
async function runUninstallsNoLongerWaiting(
  deps: InstallerDeps,
  tenantId: string,
  context: HandlerContext,
): Promise<void> {
  for (const { request, waitingFor } of await deps.waitingUninstalls.waitingOf(tenantId)) {
    if (waitingFor.length > 0) return;
    try {
      await uninstallPackage(deps, request, context);
    } catch (error) {
      if (classifyFailure(error) === "transient") throw error;
      await failUninstall(deps, request, error, context.logger);
    }
    await deps.waitingUninstalls.started(request.installId);
  }
}
