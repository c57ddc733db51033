import type { EventHandlers, FailureHooks } from "@installhub/shared";
import {
  failScan,
  failUnreadableRequest,
  type ScannerDeps,
  scanRequestedPackage,
} from "../use-cases/scan-package.ts";

/**
 * The scanner's Kafka handlers: every `InstallRequested` is scanned (`scanRequestedPackage`). The hooks
 * end an install the scanner owns the next step of when that step cannot be carried out: a scan that
 * fails deterministically, or a request that cannot even be decoded.
 */
export function scannerHandlers(deps: ScannerDeps): { handlers: EventHandlers; hooks: FailureHooks } {
  return {
    handlers: {
      InstallRequested: (request, context) => scanRequestedPackage(deps, request, context.logger),
    },
    hooks: {
      onDeterministicFailure: async (event, error, context) => {
        if (event.type === "InstallRequested") await failScan(deps, event, error, context.logger);
      },
      onUndecodable: (record, logger) => failUnreadableRequest(deps, record, logger),
    },
  };
}
