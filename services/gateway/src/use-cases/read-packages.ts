import { AppError } from "@installhub/shared";
import type { Caller } from "../auth/tokens.ts";
import type { LifecycleProjectionStore } from "../data-access/lifecycle-projection.ts";
import type { Cursor } from "../domain/cursor.ts";
import { requireTenant } from "../domain/install-request.ts";
import type { InstalledPackageState } from "../domain/installed-packages.ts";
import type { HistoryRow } from "../domain/package-history.ts";

interface ReadPackagesDeps {
  lifecycle: LifecycleProjectionStore;
}

/**
 * A page of the packages installed in a tenant, by package id (docs/lifecycle.md).
 *
 * @throws AppError Forbidden — the tenant is not in the caller's token
 */
export function installedPackagesOf(
  deps: ReadPackagesDeps,
  caller: Caller,
  query: { tenantId: string; afterPackageId: string | undefined; limit: number },
): Promise<InstalledPackageState[]> {
  requireTenant(caller, query.tenantId);
  return deps.lifecycle.installedPackages(query.tenantId, query.afterPackageId, query.limit);
}

/**
 * One package as installed in a tenant.
 *
 * @throws AppError Forbidden (tenant not in the token), PackageNotInstalled
 */
export async function installedPackageOf(
  deps: ReadPackagesDeps,
  caller: Caller,
  tenantId: string,
  packageId: string,
): Promise<InstalledPackageState> {
  requireTenant(caller, tenantId);
  const found = await deps.lifecycle.installedPackage(tenantId, packageId);
  if (!found || found.state === "NotInstalled") {
    throw new AppError(
      "PackageNotInstalled",
      `Package '${packageId}' is not installed in tenant '${tenantId}'`,
    );
  }
  return found;
}

/**
 * A page of a package's history in a tenant, newest first: every install, upgrade, downgrade,
 * reinstall, uninstall and cancel (no dry runs). A package never installed there has an empty history.
 *
 * @throws AppError Forbidden — the tenant is not in the caller's token
 */
export function historyOf(
  deps: ReadPackagesDeps,
  caller: Caller,
  query: { tenantId: string; packageId: string; after: Cursor | undefined; limit: number },
): Promise<HistoryRow[]> {
  requireTenant(caller, query.tenantId);
  return deps.lifecycle.history(query);
}
