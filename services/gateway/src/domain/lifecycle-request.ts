import { AppError, type InstallEventOf } from "@installhub/shared";
import semver from "semver";
import type { Caller } from "../auth/tokens.ts";
import type { InstalledPackageState } from "./installed-packages.ts";

/** An uninstall needs the base permission and its own (docs/api.md). */
export const uninstallPermissions = ["installhub:import", "marketplace:uninstall"] as const;

/**
 * 409 `DowngradeNotAllowed` when the tenant has the package at a higher version (SemVer precedence) and
 * the request does not say `allowDowngrade: true`. The gateway's view may be a moment old; the
 * installer decides again from its own record (docs/lifecycle.md).
 */
export function requireNoDowngrade(
  installed: InstalledPackageState | undefined,
  version: string,
  allowDowngrade: boolean | undefined,
): void {
  const current = installed?.state === "NotInstalled" ? null : (installed?.version ?? null);
  if (!current || allowDowngrade === true || !semver.valid(current) || !semver.valid(version)) return;
  if (semver.lt(version, current)) {
    throw new AppError(
      "DowngradeNotAllowed",
      `Version ${version} is lower than the installed ${current}; set 'allowDowngrade': true to install it`,
      { installedVersion: current, requestedVersion: version },
    );
  }
}

/**
 * What an uninstall removes: the package as the tenant has it. 404 when it is not installed, 409 when an
 * uninstall of it is under way already.
 */
export function requireUninstallable(
  installed: InstalledPackageState | undefined,
  tenantId: string,
  packageId: string,
): InstalledPackageState & { version: string } {
  if (!installed || installed.state === "NotInstalled" || installed.version === null) {
    throw new AppError(
      "PackageNotInstalled",
      `Package '${packageId}' is not installed in tenant '${tenantId}'`,
    );
  }
  if (installed.state === "Uninstalling") {
    throw new AppError(
      "UninstallInProgress",
      `Package '${packageId}' is being uninstalled from tenant '${tenantId}' already`,
      { installId: installed.pending?.installId },
    );
  }
  return { ...installed, version: installed.version };
}

export function uninstallRequested(input: {
  installId: string;
  importId: string;
  caller: Caller;
  tenantId: string;
  packageId: string;
  packageName: string;
  version: string;
  force: boolean;
  now: Date;
}): InstallEventOf<"UninstallRequested"> {
  return {
    type: "UninstallRequested",
    installId: input.installId,
    tenantId: input.tenantId,
    packageId: input.packageId,
    version: input.version,
    occurredAt: input.now.toISOString(),
    importId: input.importId,
    packageName: input.packageName,
    force: input.force,
    requestedBy: { userId: input.caller.sub, email: input.caller.email },
  };
}

export function cancelRequested(input: {
  operation: { installId: string; tenantId: string; packageId: string; version: string };
  caller: Caller;
  now: Date;
}): InstallEventOf<"InstallCancelRequested"> {
  const { installId, tenantId, packageId, version } = input.operation;
  return {
    type: "InstallCancelRequested",
    installId,
    tenantId,
    packageId,
    version,
    occurredAt: input.now.toISOString(),
    requestedBy: { userId: input.caller.sub, email: input.caller.email },
  };
}
