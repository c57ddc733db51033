import { z } from "zod";

/**
 * The install lifecycle events (docs/design.md §3). Each zod schema is the single definition of its event:
 * the TS type is inferred from it, its JSON Schema is registered in the Schema Registry, and the
 * AsyncAPI document is generated from it.
 */

export const trustLevels = ["Official", "Verified", "Community"] as const;
export const TrustLevel = z.enum(trustLevels);
export type TrustLevel = z.infer<typeof TrustLevel>;

export const conflictStrategies = ["Skip", "Overwrite", "Rename", "Fail"] as const;
export const ConflictStrategy = z.enum(conflictStrategies);
export type ConflictStrategy = z.infer<typeof ConflictStrategy>;

/**
 * What happened to one artifact. An install uses the first four; an upgrade (docs/lifecycle.md) also
 * `Updated` (the package's own artifact, untouched by the tenant, at the new version), `Unchanged`
 * (identical in both versions), `Removed` (dropped by the new version, or by an uninstall) and `Kept`
 * (left in the tenant although the package no longer has it: changed by the tenant, or `DeprecateOnly`).
 */
export const artifactActions = [
  "Created",
  "Overwritten",
  "Renamed",
  "Skipped",
  "Updated",
  "Unchanged",
  "Removed",
  "Kept",
] as const;
export const ArtifactAction = z.enum(artifactActions);
export type ArtifactAction = z.infer<typeof ArtifactAction>;

/**
 * Stages an install passes through, in order (docs/design.md §4); an uninstall goes from `Queued` to
 * `Uninstalling`.
 */
export const installStages = ["Queued", "Downloading", "SecurityScan", "Installing", "Uninstalling"] as const;
export const InstallStage = z.enum(installStages);
export type InstallStage = z.infer<typeof InstallStage>;

export const scanVerdicts = ["PASS", "WARN", "FAIL"] as const;
export const ScanVerdict = z.enum(scanVerdicts);
export type ScanVerdict = z.infer<typeof ScanVerdict>;

export const findingSeverities = ["critical", "warning", "info"] as const;
export const FindingSeverity = z.enum(findingSeverities);
export type FindingSeverity = z.infer<typeof FindingSeverity>;

/**
 * What an install of a package does to the artifacts the installed version has and the new one no
 * longer has (docs/lifecycle.md): `Mixed` removes those nobody changed and keeps (and reports) the
 * ones the tenant changed; `DeprecateOnly` keeps them all; `Delete` removes them all.
 */
export const upgradeTypes = ["Mixed", "DeprecateOnly", "Delete"] as const;
export const UpgradeType = z.enum(upgradeTypes);
export type UpgradeType = z.infer<typeof UpgradeType>;

/**
 * What one lifecycle operation is, as the installer decided it from what the tenant had installed:
 * a first `Install`, an `Upgrade` or `Downgrade` to another version, a `Reinstall` of the same one,
 * or an `Uninstall`.
 */
export const lifecycleOperations = ["Install", "Upgrade", "Downgrade", "Reinstall", "Uninstall"] as const;
export const LifecycleOperation = z.enum(lifecycleOperations);
export type LifecycleOperation = z.infer<typeof LifecycleOperation>;

/** One artifact a package owns in a tenant: its manifest key, its key in the tenant and the version its install wrote. */
export const OwnedArtifact = z.object({
  key: z.string().min(1),
  resultingKey: z.string().min(1),
  versionId: z.string().min(1),
});
export type OwnedArtifact = z.infer<typeof OwnedArtifact>;

export const installIdPattern = /^mkt-install-[a-z0-9-]+$/;
export const importIdPattern = /^imp-[a-z0-9-]+$/;
const sha256Hex = z.string().regex(/^[a-f0-9]{64}$/, "expected a lowercase hex sha256");

/** Fields every install event carries. */
const installEventFields = {
  installId: z.string().regex(installIdPattern),
  tenantId: z.string().min(1),
  packageId: z.string().min(1),
  version: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
};

export const InstallRequested = z.object({
  type: z.literal("InstallRequested"),
  ...installEventFields,
  importId: z.string().regex(importIdPattern),
  packageName: z.string(),
  trustLevel: TrustLevel,
  archive: z.object({
    /** Path below the configured CDN base URL; never a full URL from a caller. */
    path: z.string().min(1),
    sha256: sha256Hex,
    sizeBytes: z.number().int().nonnegative(),
    /**
     * Base64 Ed25519 signature over the package signature statement (packageId, version, sha256,
     * publisher; `packageSignatureStatement` in packages/shared/src/packages/signing.ts); null when the
     * version is unsigned.
     */
    signature: z.string().nullable(),
  }),
  publisher: z.object({
    id: z.string().min(1),
    name: z.string(),
    /** PEM (SPKI) Ed25519 public key from the catalog at request time; null when none is on file. */
    publicKey: z.string().nullable(),
  }),
  conflict: z.object({
    defaultStrategy: ConflictStrategy,
    /** Artifact key → strategy; takes precedence over the default. */
    overrides: z.record(z.string(), ConflictStrategy),
  }),
  dryRun: z.boolean(),
  artifactCount: z.number().int().nonnegative(),
  requestedBy: z.object({ userId: z.string().min(1), email: z.string() }),
  /** When the tenant has the package at another version: what happens to artifacts it dropped (default Mixed). */
  upgradeType: UpgradeType.optional(),
  /** Installing a lower version than the installed one is refused (DowngradeNotAllowed) unless true. */
  allowDowngrade: z.boolean().optional(),
});

export const SecurityScanStarted = z.object({
  type: z.literal("SecurityScanStarted"),
  ...installEventFields,
  /** `Downloading` when the download begins, `Scanning` once the bytes are verified and the scan runs. */
  phase: z.enum(["Downloading", "Scanning"]),
});

export const Finding = z.object({
  ruleId: z.string().min(1),
  severity: FindingSeverity,
  file: z.string(),
  message: z.string(),
});
export type Finding = z.infer<typeof Finding>;

/** One regular file of a scanned archive: its normalised path and the sha256 of its bytes. */
export const ApprovedFile = z.object({
  path: z.string().min(1),
  sha256: sha256Hex,
});
export type ApprovedFile = z.infer<typeof ApprovedFile>;

export const SecurityScanCompleted = z.object({
  type: z.literal("SecurityScanCompleted"),
  ...installEventFields,
  verdict: ScanVerdict,
  findings: z.array(Finding),
  /** The digest of the exact bytes that were scanned: the installer imports only bytes with this digest. */
  archiveSha256: sha256Hex,
  /**
   * On PASS and WARN: every regular file the scanner read from the archive, sorted by path. The
   * installer imports an archive only if it reads exactly these files with these digests. Optional so
   * the schema stays BACKWARD compatible; a verdict without it (from a scanner before the list existed)
   * is not imported (see docs/installer.md).
   */
  approvedFiles: z.array(ApprovedFile).optional(),
});

export const ImportStarted = z.object({
  type: z.literal("ImportStarted"),
  ...installEventFields,
  importId: z.string().regex(importIdPattern),
  total: z.number().int().nonnegative(),
  dryRun: z.boolean(),
  /** What this import is, given what the tenant had installed (absent from installers before lifecycles). */
  operation: LifecycleOperation.optional(),
  /** The version installed before, for an upgrade, downgrade or reinstall. */
  fromVersion: z.string().optional(),
});

export const ArtifactInstalled = z.object({
  type: z.literal("ArtifactInstalled"),
  ...installEventFields,
  importId: z.string().regex(importIdPattern),
  key: z.string().min(1),
  /** Key the artifact has in the tenant afterwards (differs from `key` when renamed). */
  resultingKey: z.string().min(1),
  action: ArtifactAction,
  /** 1-based position of this artifact in the import. */
  index: z.number().int().min(1),
  total: z.number().int().min(1),
});

export const PlannedArtifact = z.object({
  key: z.string(),
  action: ArtifactAction,
  resultingKey: z.string(),
});
export type PlannedArtifact = z.infer<typeof PlannedArtifact>;

export const InstallSucceeded = z.object({
  type: z.literal("InstallSucceeded"),
  ...installEventFields,
  importId: z.string().regex(importIdPattern),
  artifactsInstalled: z.number().int().nonnegative(),
  conflictsResolved: z.number().int().nonnegative(),
  completedAt: z.iso.datetime({ offset: true }),
  dryRun: z.boolean(),
  /** For a dry run: what each artifact would do. */
  plan: z.array(PlannedArtifact).optional(),
  operation: LifecycleOperation.optional(),
  fromVersion: z.string().optional(),
  /** Every artifact the package owns in the tenant now (not for a dry run): the installed-packages projection. */
  artifacts: z.array(OwnedArtifact).optional(),
  /** Who asked for the install (the installed-packages projection says who installed what). */
  requestedBy: z.object({ userId: z.string().min(1), email: z.string() }).optional(),
});

export const InstallFailed = z.object({
  type: z.literal("InstallFailed"),
  ...installEventFields,
  importId: z.string().regex(importIdPattern).optional(),
  stage: InstallStage,
  error: z.string().min(1),
  message: z.string(),
  rolledBack: z.boolean(),
  details: z.record(z.string(), z.unknown()).optional(),
  operation: LifecycleOperation.optional(),
  fromVersion: z.string().optional(),
});

const requestedBy = z.object({ userId: z.string().min(1), email: z.string() });

/**
 * The gateway accepted an uninstall (`DELETE /api/tenants/{tenantId}/packages/{packageId}`). `installId`
 * is the operation's id (its status is served like an install's); `version` the version the gateway saw
 * installed; the installer removes whatever version it has on record.
 */
export const UninstallRequested = z.object({
  type: z.literal("UninstallRequested"),
  ...installEventFields,
  importId: z.string().regex(importIdPattern),
  packageName: z.string(),
  /** Remove artifacts the tenant changed since they were installed, too. */
  force: z.boolean(),
  requestedBy,
});

export const UninstallStarted = z.object({
  type: z.literal("UninstallStarted"),
  ...installEventFields,
  importId: z.string().regex(importIdPattern),
  /** Artifacts to remove. */
  total: z.number().int().nonnegative(),
  /** Tenant keys of artifacts the tenant changed since install, left in place (no `force`). */
  kept: z.array(z.string()),
});

export const ArtifactRemoved = z.object({
  type: z.literal("ArtifactRemoved"),
  ...installEventFields,
  importId: z.string().regex(importIdPattern),
  key: z.string().min(1),
  resultingKey: z.string().min(1),
  /** 1-based position of this artifact among those removed. */
  index: z.number().int().min(1),
  total: z.number().int().min(1),
});

export const UninstallSucceeded = z.object({
  type: z.literal("UninstallSucceeded"),
  ...installEventFields,
  importId: z.string().regex(importIdPattern),
  artifactsRemoved: z.number().int().nonnegative(),
  kept: z.array(z.string()),
  completedAt: z.iso.datetime({ offset: true }),
});

export const UninstallFailed = z.object({
  type: z.literal("UninstallFailed"),
  ...installEventFields,
  importId: z.string().regex(importIdPattern),
  stage: InstallStage,
  error: z.string().min(1),
  message: z.string(),
  /** True when artifacts removed before the failure were put back. */
  rolledBack: z.boolean(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Someone asked to stop an install, upgrade or uninstall (`POST /api/marketplace/installs/{installId}/cancel`).
 * The service running its current step ends it with `InstallCancelled` (or `UninstallFailed`
 * `InstallCancelled`) at its next safe point, unless it finishes first (docs/lifecycle.md).
 */
export const InstallCancelRequested = z.object({
  type: z.literal("InstallCancelRequested"),
  ...installEventFields,
  requestedBy,
});

export const NotificationChannel = z.enum(["in-app", "email"]);
export type NotificationChannel = z.infer<typeof NotificationChannel>;

export const NotificationDelivered = z.object({
  type: z.literal("NotificationDelivered"),
  ...installEventFields,
  channel: NotificationChannel,
  recipient: z.string(),
  notificationId: z.string(),
  outcome: z.enum(["delivered", "failed"]),
  error: z.string().optional(),
});

/** Every event on `installhub.install-events.v1`, told apart by `type` (and the `ce_type` header). */
export const InstallEvent = z.discriminatedUnion("type", [
  InstallRequested,
  SecurityScanStarted,
  SecurityScanCompleted,
  ImportStarted,
  ArtifactInstalled,
  InstallSucceeded,
  InstallFailed,
  NotificationDelivered,
  UninstallRequested,
  UninstallStarted,
  ArtifactRemoved,
  UninstallSucceeded,
  UninstallFailed,
  InstallCancelRequested,
]);
type InstallEventSchema = (typeof InstallEvent.options)[number];

/** The schema of each event type, by its CloudEvents `ce_type`. */
export const installEventSchemas = Object.fromEntries(
  InstallEvent.options.map((schema) => [schema.shape.type.value, schema]),
) as { [S in InstallEventSchema as z.infer<S>["type"]]: S };

export type InstallEventType = keyof typeof installEventSchemas;
export const installEventTypes = Object.keys(installEventSchemas) as InstallEventType[];

export type InstallEvent = z.infer<typeof InstallEvent>;
export type InstallEventOf<T extends InstallEventType> = Extract<InstallEvent, { type: T }>;

/** Human descriptions used by the AsyncAPI document. */
export const installEventDescriptions: Record<InstallEventType, string> = {
  InstallRequested:
    "The gateway accepted an install: resolved version, trust level, archive location and digest, conflict strategy, dry run, requesting user and the importId assigned up front.",
  SecurityScanStarted:
    "The scanner began downloading the archive (phase Downloading) or scanning it (phase Scanning).",
  SecurityScanCompleted:
    "The scanner's verdict (PASS, WARN or FAIL) with its findings, bound to the scanned bytes' sha256 and, on PASS and WARN, to the (path, sha256) list of the files it approved.",
  ImportStarted: "The installer began importing: total artifact count.",
  ArtifactInstalled: "One artifact was applied to the tenant: key, action, resulting key, index of total.",
  InstallSucceeded: "Terminal: the import finished (or, for a dry run, was planned).",
  InstallFailed:
    "Terminal: the install failed at a stage, with an error code, message and whether the tenant was rolled back.",
  NotificationDelivered: "The notifier delivered (or failed to deliver) the outcome on one channel.",
  UninstallRequested:
    "The gateway accepted an uninstall of a package from a tenant: the operation's installId and importId, force, requesting user.",
  UninstallStarted:
    "The installer began removing a package: how many artifacts it removes, and which (changed by the tenant) it keeps.",
  ArtifactRemoved: "One artifact of the package was removed from the tenant: key, index of total.",
  UninstallSucceeded: "Terminal: the package is no longer installed; what was removed and what was kept.",
  UninstallFailed:
    "Terminal: the uninstall failed (or was cancelled), with an error code and whether removed artifacts were put back.",
  InstallCancelRequested:
    "Someone asked to cancel an install, upgrade or uninstall; it ends with error InstallCancelled unless it finishes first.",
};
