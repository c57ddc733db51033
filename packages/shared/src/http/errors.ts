import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Every error code an API caller can see, with the one HTTP status it maps to. */
export const errorStatus = {
  ValidationFailed: 400,
  AcknowledgmentRequired: 400,
  Unauthorized: 401,
  Forbidden: 403,
  PackageNotFound: 404,
  VersionNotFound: 404,
  InstallNotFound: 404,
  PackageNotInstalled: 404,
  ImportNotFound: 404,
  NotificationNotFound: 404,
  NotFound: 404,
  MethodNotAllowed: 405,
  IdempotencyKeyReused: 422,
  IdempotencyKeyInFlight: 409,
  DowngradeNotAllowed: 409,
  InstallAlreadyFinished: 409,
  UninstallInProgress: 409,
  PayloadTooLarge: 413,
  TooManyInstallsInFlight: 429,
  RateLimited: 429,
  UnsupportedMediaType: 415,
  ServiceUnavailable: 503,
  InternalError: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof errorStatus;

/** The error body of every endpoint: `{ error, message, details? }`. */
export interface ErrorBody {
  error: ErrorCode;
  message: string;
  details?: unknown;
}

/** An error as a value: a code, a message for the caller and optional details (e.g. which field). */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { error: this.code, message: this.message }
      : { error: this.code, message: this.message, details: this.details };
  }
}

export function httpStatusOf(code: ErrorCode): ContentfulStatusCode {
  return errorStatus[code];
}

/**
 * The one place an error becomes an HTTP response. A 429 or 503 whose details say when to come back
 * (`retryAfterSeconds`) carries it as `Retry-After` (RFC 9110 §10.2.3).
 */
export function errorResponse(c: Context, error: AppError): Response {
  const retryAfter = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof retryAfter === "number") c.header("Retry-After", String(Math.max(1, Math.ceil(retryAfter))));
  return c.json(error.toBody(), httpStatusOf(error.code));
}
