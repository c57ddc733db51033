import { z } from "@hono/zod-openapi";
import {
  AuditEntry as AuditEntryView,
  artifactKeyPattern,
  artifactKeyRule,
  ConflictStrategy,
  errorStatus,
  ImportRecord as ImportRecordView,
  Notification as NotificationView,
  TrustLevel,
  UpgradeType,
} from "@installhub/shared";
import { cursorPattern } from "../../domain/cursor.ts";
import { InstallStatusView } from "../../domain/status-view.ts";

/** Request and response shapes of the HTTP API: validation and the OpenAPI document both come from here. */

export const ErrorBody = z
  .object({
    error: z.enum(Object.keys(errorStatus) as [keyof typeof errorStatus, ...(keyof typeof errorStatus)[]]),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .openapi("Error");

/**
 * The `Idempotency-Key` header: 1–255 printable ASCII characters (no leading or trailing space), as
 * draft-ietf-httpapi-idempotency-key-header and Stripe's API use it. Anything else is refused rather
 * than hashed, so two clients can never collide through a mangled encoding.
 */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, "expected 1–255 printable ASCII characters")
  .openapi({
    description:
      "1–255 printable ASCII characters. Same key + same body within 24 h → the same 202, nothing new started",
    example: "8e03978e-40d5-43e8-bc93-6894a57f9324",
  });

/** Semantic Versioning 2.0.0's own regular expression (semver.org, "Is there a suggested regular expression"). */
const semverPattern =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** An artifact key, as `conflictStrategies` names it (the manifest's grammar). */
const ArtifactKey = z.string().regex(artifactKeyPattern, artifactKeyRule);

export const InstallRequestBody = z
  .strictObject({
    version: z
      .string()
      .max(256)
      .regex(semverPattern, "expected a semantic version such as 3.0.0")
      .optional()
      .openapi({
        description: "Omit for the latest (highest non-yanked, non-prerelease) version",
        example: "3.0.0",
      }),
    targetTenantId: z.string().min(1).openapi({ example: "tenant-abc123" }),
    defaultConflictStrategy: ConflictStrategy.default("Skip"),
    conflictStrategies: z
      .record(ArtifactKey, ConflictStrategy)
      .optional()
      .openapi({
        description:
          "Artifact key → strategy; takes precedence over defaultConflictStrategy. Keys follow the artifact-key grammar.",
        // The generator drops a record's key schema, and its metadata type (OpenAPI 3.0's schema object)
        // lacks the 3.1 / JSON Schema keyword that states it: propertyNames.
        ...({ propertyNames: { type: "string", pattern: artifactKeyPattern.source } } as object),
      }),
    dryRun: z.boolean().default(false),
    acknowledgeCommunityPackage: z
      .boolean()
      .optional()
      .openapi({ description: "Required (true) for Community packages" }),
    upgradeType: UpgradeType.optional().openapi({
      description:
        "When the tenant has the package at another version (docs/lifecycle.md): what happens to artifacts the new version no longer has. Mixed (default): remove those nobody changed, keep (and report) the ones the tenant changed; DeprecateOnly: keep all; Delete: remove all",
    }),
    allowDowngrade: z.boolean().optional().openapi({
      description:
        "Installing a lower version than the installed one is refused (409 DowngradeNotAllowed) unless true",
    }),
  })
  .openapi("InstallRequest");

export const InstallAccepted = z
  .object({
    installId: z.string().openapi({ example: "mkt-install-b7c8d9" }),
    status: z.literal("InProgress"),
    statusUrl: z.string().openapi({ example: "/api/marketplace/installs/mkt-install-b7c8d9/status" }),
    estimatedSeconds: z.number().int().openapi({ example: 15 }),
  })
  .openapi("InstallAccepted");
export type InstallAccepted = z.infer<typeof InstallAccepted>;

// A copy made here has `.openapi()` (see the read models below).
export const InstallStatus = InstallStatusView.meta({}).openapi("InstallStatus");

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: "Page size, 1–100" }),
  cursor: z
    .string()
    .regex(cursorPattern, "not a cursor this API returned")
    .optional()
    .openapi({ description: "`nextCursor` of the previous page; empty or absent for the first" }),
};

export const InstallSummary = z
  .object({
    installId: z.string(),
    tenantId: z.string(),
    packageId: z.string(),
    version: z.string(),
    requestedAt: z.string(),
    requestedBy: z.string().nullable(),
    status: InstallStatus,
  })
  .openapi("InstallSummary");

export const PackageVersion = z
  .object({
    version: z.string(),
    yanked: z.boolean(),
    prerelease: z.boolean(),
    sha256: z.string(),
    sizeBytes: z.number().int(),
    signed: z.boolean(),
    artifactCount: z.number().int(),
    publishedAt: z.string(),
  })
  .openapi("PackageVersion");

export const PackageSummary = z
  .object({
    packageId: z.string(),
    name: z.string(),
    description: z.string(),
    trustLevel: TrustLevel,
    publisher: z.object({ id: z.string(), name: z.string() }),
    latestVersion: z.string().nullable(),
  })
  .openapi("PackageSummary");

export const PackageDetail = PackageSummary.extend({ versions: z.array(PackageVersion) }).openapi(
  "PackageDetail",
);

// The read models are defined once, in packages/shared; `.extend({})` gives each a copy made after
// @hono/zod-openapi added `.openapi()` to zod's schemas (one made before has no such method).
export const ImportRecord = ImportRecordView.extend({}).openapi("ImportRecord");

export const AuditEntry = AuditEntryView.extend({}).openapi("AuditEntry");

export const Notification = NotificationView.extend({}).openapi("Notification");

export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

/**
 * Error responses, for the OpenAPI document: the route's own, and the two any route may answer (500,
 * and 503 while the database cannot serve it).
 */
export const errorResponses = (...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503)[]) =>
  Object.fromEntries(
    [...new Set([...statuses, 500 as const, 503 as const])].map((status) => [
      status,
      { description: errorDescriptions[status], content: { "application/json": { schema: ErrorBody } } },
    ]),
  );

const errorDescriptions = {
  400: "Invalid request (ValidationFailed) or AcknowledgmentRequired",
  401: "No, malformed, expired or badly signed token",
  403: "A permission is missing, or the tenant is not in the token",
  404: "Not found (or not yours)",
  409: "A request with this Idempotency-Key is still being processed (IdempotencyKeyInFlight), or the state does not allow it: DowngradeNotAllowed, InstallAlreadyFinished, UninstallInProgress",
  413: "Body larger than the limit",
  415: "Body is not JSON",
  422: "Idempotency-Key reused with a different body",
  429: "Too many installs in flight for the tenant (TooManyInstallsInFlight) or too many requests from the caller (RateLimited); see Retry-After",
  500: "InternalError: something went wrong on the gateway's side (logged); nothing was started",
  503: "ServiceUnavailable: the database is unavailable, or a write could not be recorded in time; nothing was started or changed. Retry (see Retry-After)",
};
