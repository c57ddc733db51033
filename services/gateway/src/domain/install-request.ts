import {
  AppError,
  type ConflictStrategy,
  type InstallEventOf,
  type PackageDocument,
  type PackageVersionDocument,
  type PublisherDocument,
  type UpgradeType,
} from "@installhub/shared";
import semver from "semver";
import type { Caller } from "../auth/tokens.ts";

export const installPermissions = ["installhub:import", "marketplace:install"] as const;
export const communityPermission = "marketplace:install:community";

/** The install body after validation (defaults applied). */
export interface InstallBody {
  version?: string | undefined;
  targetTenantId: string;
  defaultConflictStrategy: ConflictStrategy;
  conflictStrategies?: Record<string, ConflictStrategy> | undefined;
  dryRun: boolean;
  acknowledgeCommunityPackage?: boolean | undefined;
  /** For an install over another installed version (docs/lifecycle.md); the installer's default is Mixed. */
  upgradeType?: UpgradeType | undefined;
  allowDowngrade?: boolean | undefined;
}

/** 403 naming the first permission (in the spec's order) the caller lacks. */
export function requirePermissions(caller: Caller, required: readonly string[]): void {
  const missing = required.find((permission) => !caller.permissions.includes(permission));
  if (missing)
    throw new AppError("Forbidden", `Missing permission '${missing}'`, { missingPermission: missing });
}

export function requireTenant(caller: Caller, tenantId: string): void {
  if (!caller.tenants.includes(tenantId)) {
    throw new AppError("Forbidden", `Not allowed to act in tenant '${tenantId}'`, { tenantId });
  }
}

/** Latest = the highest version that is neither yanked nor a prerelease. */
export function latestVersion(versions: PackageVersionDocument[]): PackageVersionDocument | undefined {
  return versions
    .filter((v) => !v.yanked && semver.valid(v.version) && semver.prerelease(v.version) === null)
    .sort((a, b) => semver.rcompare(a.version, b.version))[0];
}

/** The version to install: the one asked for (never a yanked one) or the latest. */
export function resolveVersion(pkg: PackageDocument, requested: string | undefined): PackageVersionDocument {
  if (requested === undefined) {
    const latest = latestVersion(pkg.versions);
    if (!latest) throw new AppError("VersionNotFound", `Package '${pkg._id}' has no installable version`);
    return latest;
  }
  const found = pkg.versions.find((v) => v.version === requested && !v.yanked);
  if (!found) throw new AppError("VersionNotFound", `Package '${pkg._id}' has no version '${requested}'`);
  return found;
}

/** Community packages need the extra permission first, then the caller's explicit acknowledgement. */
export function requireTrustAcknowledgement(caller: Caller, pkg: PackageDocument, body: InstallBody): void {
  if (pkg.trustLevel !== "Community") return;
  requirePermissions(caller, [communityPermission]);
  if (body.acknowledgeCommunityPackage !== true) {
    throw new AppError(
      "AcknowledgmentRequired",
      "This is a Community package. Set 'acknowledgeCommunityPackage': true to confirm.",
    );
  }
}

/** The `InstallRequested` event for an accepted request (docs/design.md §3), ids assigned by the caller. */
export function installRequested(input: {
  installId: string;
  importId: string;
  caller: Caller;
  body: InstallBody;
  pkg: PackageDocument;
  version: PackageVersionDocument;
  publisher: PublisherDocument | null;
  now: Date;
}): InstallEventOf<"InstallRequested"> {
  const { caller, body, pkg, version, publisher } = input;
  return {
    type: "InstallRequested",
    installId: input.installId,
    tenantId: body.targetTenantId,
    packageId: pkg._id,
    version: version.version,
    occurredAt: input.now.toISOString(),
    importId: input.importId,
    packageName: pkg.name,
    trustLevel: pkg.trustLevel,
    archive: {
      path: version.archivePath,
      sha256: version.sha256,
      sizeBytes: version.sizeBytes,
      signature: version.signature,
    },
    publisher: {
      id: pkg.publisherId,
      name: publisher?.name ?? pkg.publisherId,
      publicKey: publisher?.publicKey ?? null,
    },
    conflict: { defaultStrategy: body.defaultConflictStrategy, overrides: body.conflictStrategies ?? {} },
    dryRun: body.dryRun,
    artifactCount: version.artifactCount,
    requestedBy: { userId: caller.sub, email: caller.email },
    ...(body.upgradeType ? { upgradeType: body.upgradeType } : {}),
    ...(body.allowDowngrade !== undefined ? { allowDowngrade: body.allowDowngrade } : {}),
  };
}
