import type { Logger, UndecodableRecord } from "@installhub/shared";
import type { InstallerDeps } from "./installer-deps.ts";

/**
 * A verdict that cannot be decoded would leave its install waiting for an import that never starts:
 * the installer ends it with `InstallFailed` (`UndecodableEvent`). Nothing was written to the tenant,
 * so it is rolled back by definition. Records of other types are not the installer's to end.
 */
export async function failUnreadableVerdict(
  deps: InstallerDeps,
  record: UndecodableRecord & { installId: string },
  logger: Logger,
): Promise<void> {
  if (record.type !== "SecurityScanCompleted") return;
  const request = await deps.requests.find(record.installId);
  if (!request && !record.tenantId) {
    logger.warn({ installId: record.installId }, "undecodable verdict of an unknown install; nothing to end");
    return;
  }
  const journal = request ? await deps.journals.find(request.importId) : null;
  if (journal) return; // the verdict was read before: the import has its own outcome
  await deps.publisher.publish({
    type: "InstallFailed",
    installId: record.installId,
    tenantId: request?.tenantId ?? record.tenantId ?? "",
    packageId: request?.packageId ?? record.packageId ?? "unknown",
    version: request?.version ?? record.version ?? "unknown",
    occurredAt: deps.now().toISOString(),
    ...(request ? { importId: request.importId } : {}),
    stage: "SecurityScan",
    error: "UndecodableEvent",
    message: "The security scan verdict could not be read, so the package was not imported",
    rolledBack: true,
    details: { reason: record.error.slice(0, 1000) },
  });
}
