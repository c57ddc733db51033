import type { EventHandlers, FailureHooks, InstallEventOf } from "@installhub/shared";
import { failImport, importPackage } from "../use-cases/import-package.ts";
import type { InstallerDeps } from "../use-cases/installer-deps.ts";
import { installEnded, uninstallInOrder } from "../use-cases/operations-in-order.ts";
import { recordEarlierFailure } from "../use-cases/record-earlier-failure.ts";
import { failUninstall } from "../use-cases/uninstall-package.ts";
import { failUnreadableVerdict } from "../use-cases/unreadable-verdict.ts";

/**
 * The installer's Kafka handlers. A tenant's events share a partition, so its request is stored
 * before its verdict arrives and its imports and uninstalls run one after the other, in the order the
 * gateway accepted them. The hooks end an operation the installer owns the next step of — an import,
 * an uninstall — when that step cannot be carried out.
 */
export function installerHandlers(deps: InstallerDeps): { handlers: EventHandlers; hooks: FailureHooks } {
  return {
    handlers: {
      InstallRequested: (request) => deps.requests.save(request),
      // A FAIL verdict ends the install at the scanner, which emits the InstallFailed.
      SecurityScanCompleted: async (scan, context) => {
        if (scan.verdict !== "FAIL") await importPackage(deps, scan, context);
      },
      InstallFailed: async (failure, context) => {
        await recordEarlierFailure(deps, failure, context.logger);
        await installEnded(deps, failure, context);
      },
      InstallSucceeded: (success, context) => installEnded(deps, success, context),
      UninstallRequested: (request, context) => uninstallInOrder(deps, request, context),
    },
    hooks: {
      onDeterministicFailure: async (event, error, context) => {
        if (event.type === "UninstallRequested") {
          await failUninstall(deps, event as InstallEventOf<"UninstallRequested">, error, context.logger);
        }
        if (event.type !== "SecurityScanCompleted") return; // nothing of the installer's to end
        await failImport(deps, event as InstallEventOf<"SecurityScanCompleted">, error, context.logger);
      },
      onUndecodable: (record, logger) => failUnreadableVerdict(deps, record, logger),
    },
  };
}
