import { z } from "@hono/zod-openapi";
import {
  AuditEntry as AuditEntryView,
  errorStatus,
  ImportRecord as ImportRecordView,
  Notification as NotificationView,
  TrustLevel,
} from "@installhub/shared";
import { cursorPattern } from "../../domain/cursor.ts";
import {
  InstallAccepted as InstallAcceptedSchema,
  InstallRequestBody as InstallRequestBodySchema,
} from "../../domain/install-request.ts";
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

// The install body and its 202 are the domain's (domain/install-request.ts), defined once; a copy
// made here has `.openapi()` (see the read models below).
export const InstallRequestBody = InstallRequestBodySchema.extend({}).openapi("InstallRequest");

export const InstallAccepted = InstallAcceptedSchema.extend({}).openapi("InstallAccepted");

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
