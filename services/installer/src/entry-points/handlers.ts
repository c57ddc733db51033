import type { EventHandlers, FailureHooks, InstallEventOf } from "@installhub/shared";
import type { InstallerDeps } from "./deps.ts";
import { failImport, importPackage } from "./import-package.ts";
import { recordEarlierFailure } from "./record-earlier-failure.ts";
import { failUnreadableVerdict } from "./unreadable-verdict.ts";

/**
 * The installer's Kafka handlers. A tenant's events share a partition, so its request is stored
 * before its verdict arrives and its imports run one after the other. The hooks end an install the
 * installer owns the next step of — its import — when that step cannot be carried out.
 */
export function installerHandlers(deps: InstallerDeps): { handlers: EventHandlers; hooks: FailureHooks } {
  return {
    handlers: {
      InstallRequested: (request) => deps.requests.save(request),
      // A FAIL verdict ends the install at the scanner, which emits the InstallFailed.
      SecurityScanCompleted: async (verdict, context) => {
        if (verdict.verdict !== "FAIL") await importPackage(deps, verdict, context);
      },
      InstallFailed: (failure, context) => recordEarlierFailure(deps, failure, context.logger),
    },
    hooks: {
      onDeterministicFailure: async (event, error, context) => {
        if (event.type !== "SecurityScanCompleted") return; // nothing of the installer's to end
        await failImport(deps, event as InstallEventOf<"SecurityScanCompleted">, error, context.logger);
      },
      onUndecodable: (record, logger) => failUnreadableVerdict(deps, record, logger),
    },
  };
}
