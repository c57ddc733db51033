import {
  AppError,
  artifactKeyPattern,
  artifactKeyRule,
  ConflictStrategy,
  type InstallEventOf,
  type PackageDocument,
  type PackageVersionDocument,
  type PublisherDocument,
  UpgradeType,
} from "@installhub/shared";
import semver from "semver";
import { z } from "zod";
import type { Caller } from "../auth/tokens.ts";

export const installPermissions = ["installhub:import", "marketplace:install"] as const;
export const communityPermission = "marketplace:install:community";

/** Semantic Versioning 2.0.0's own regular expression (semver.org, "Is there a suggested regular expression"). */
const semverPattern =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** An artifact key, as `conflictStrategies` names it (the manifest's grammar). */
const ArtifactKey = z.string().regex(artifactKeyPattern, artifactKeyRule);

/**
 * The install request's body (the spec's, plus `conflictStrategies`, the lifecycle's `upgradeType` and
 * `allowDowngrade`): strict — an unknown field is refused, never dropped. The one definition of the
 * body: the route validates with it and the OpenAPI document is generated from it.
 */
export const InstallRequestBody = z.strictObject({
  version: z
    .string()
    .max(256)
    .regex(semverPattern, "expected a semantic version such as 3.0.0")
    .optional()
    .meta({
      description: "Omit for the latest (highest non-yanked, non-prerelease) version",
      example: "3.0.0",
    }),
  targetTenantId: z.string().min(1).meta({ example: "tenant-abc123" }),
  defaultConflictStrategy: ConflictStrategy.default("Skip"),
  conflictStrategies: z
    .record(ArtifactKey, ConflictStrategy)
    .optional()
    .meta({
      description:
        "Artifact key → strategy; takes precedence over defaultConflictStrategy. Keys follow the artifact-key grammar.",
      // The OpenAPI generator drops a record's key schema: propertyNames states it (JSON Schema, OpenAPI 3.1).
      propertyNames: { type: "string", pattern: artifactKeyPattern.source },
    }),
  dryRun: z.boolean().default(false),
  acknowledgeCommunityPackage: z
    .boolean()
    .optional()
    .meta({ description: "Required (true) for Community packages" }),
  upgradeType: UpgradeType.optional().meta({
    description:
      "When the tenant has the package at another version (docs/lifecycle.md): what happens to artifacts the new version no longer has. Mixed (default): remove those nobody changed, keep (and report) the ones the tenant changed; DeprecateOnly: keep all; Delete: remove all",
  }),
  allowDowngrade: z.boolean().optional().meta({
    description:
      "Installing a lower version than the installed one is refused (409 DowngradeNotAllowed) unless true",
  }),
});

/** The install body after validation (defaults applied). */
export type InstallBody = z.output<typeof InstallRequestBody>;

/** The spec's 202 answer to an accepted install. */
export const InstallAccepted = z.object({
  installId: z.string().meta({ example: "mkt-install-b7c8d9" }),
  status: z.literal("InProgress"),
  statusUrl: z.string().meta({ example: "/api/marketplace/installs/mkt-install-b7c8d9/status" }),
  estimatedSeconds: z.number().int().meta({ example: 15 }),
});
export type InstallAccepted = z.infer<typeof InstallAccepted>;

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
