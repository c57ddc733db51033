import type { EventHandlers } from "@installhub/shared";
import type { InstallerDeps } from "./deps.ts";
import { importPackage } from "./import-package.ts";
import { recordEarlierFailure } from "./record-earlier-failure.ts";

/**
 * The installer's Kafka handlers. A tenant's events share a partition, so its request is stored
 * before its verdict arrives and its imports run one after the other.
 */
export function installerHandlers(deps: InstallerDeps): EventHandlers {
  return {
    InstallRequested: (request) => deps.requests.save(request),
    // A FAIL verdict ends the install at the scanner, which emits the InstallFailed.
    SecurityScanCompleted: async (verdict, context) => {
      if (verdict.verdict !== "FAIL") await importPackage(deps, verdict, context);
    },
    InstallFailed: (failure, context) => recordEarlierFailure(deps, failure, context.logger),
  };
}
