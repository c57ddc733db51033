import { z } from "zod";

/**
 * What a failure means for the work that met it (docs/design.md §8, "Failure classes"):
 * - `transient`: a dependency is unreachable or slow (store, broker, registry, network, a timeout).
 *   Waiting can fix it, so the work waits and tries again for as long as it takes; it is never
 *   dead-lettered and never fails an install.
 * - `deterministic`: the data or the code cannot succeed (the store refused the document, invalid
 *   data, a bug). Trying again gives the same answer, so the install is ended with a stable error code.
 */
export type FailureClass = "transient" | "deterministic";

/** Thrown by our own code for a condition that waiting can fix (e.g. a dependency answered 503). */
export class TransientError extends Error {
  override readonly name: string = "TransientError";
}

/** Thrown by our own code for work that can never succeed; the install is ended, not retried. */
export class PermanentError extends Error {
  override readonly name = "PermanentError";
}

/**
 * MongoDB driver errors that mean "the server is not reachable or not answering right now". One of
 * them is not named Mongo…: the pool cleared because the server monitor timed out (mongodb 6.x).
 */
const transientMongoErrorNames = new Set([
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoServerSelectionError",
  "MongoNotConnectedError",
  "MongoTopologyClosedError",
  "MongoPoolClearedError",
  "PoolClearedOnNetworkError",
  "MongoOperationTimeoutError",
  "MongoWaitQueueTimeoutError",
]);

/**
 * Server error codes that mean "retry later": shutdown, elections, interrupted or timed-out
 * operations (MongoDB's own list of retryable codes, src/mongo/base/error_codes.yml `RetriableError`
 * and `NetworkTimeoutError` categories, plus MaxTimeMSExpired).
 */
const transientMongoCodes = new Set([
  6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 63, 150, 134,
]);

/** Node's socket errors for a peer that is down, unreachable or hung up. */
const transientSystemCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ECONNABORTED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** kafkajs errors about the connection to the cluster rather than the request. */
const transientKafkaErrorNames = new Set([
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSNumberOfRetriesExceeded",
  "KafkaJSBrokerNotFound",
  "KafkaJSLockTimeout",
  "KafkaJSMetadataNotLoaded",
  "KafkaJSTopicMetadataNotLoaded",
  "KafkaJSStaleTopicMetadataAssignment",
  "KafkaJSServerDoesNotSupportApiKey",
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  retriable?: unknown;
  status?: unknown;
  cause?: unknown;
  errorLabels?: unknown;
  hasErrorLabel?: (label: string) => boolean;
}

function isTransientOne(error: ErrorLike): boolean {
  const name = typeof error.name === "string" ? error.name : "";
  if (["TransientError", "AbortError", "TimeoutError", "DeadlineExceeded"].includes(name)) return true;
  if (transientMongoErrorNames.has(name)) return true;
  if (name.startsWith("Mongo")) {
    // FerretDB on SQLite answers a busy database (another writer holds the lock) as InternalError.
    if (/database is locked|SQLITE_BUSY/.test((error as Error).message ?? "")) return true;
    if (typeof error.hasErrorLabel === "function") {
      if (error.hasErrorLabel("RetryableWriteError") || error.hasErrorLabel("TransientTransactionError"))
        return true;
    }
    return typeof error.code === "number" && transientMongoCodes.has(error.code);
  }
  if (name.startsWith("KafkaJS")) return transientKafkaErrorNames.has(name) || error.retriable === true;
  if (typeof error.code === "string" && transientSystemCodes.has(error.code)) return true;
  // A registry or CDN answering 5xx (or 429) is overloaded or restarting, not wrong.
  if (typeof error.status === "number" && (error.status >= 500 || error.status === 429)) return true;
  // fetch() reports an unreachable peer as "TypeError: fetch failed" with the socket error as cause.
  return name === "TypeError" && (error as Error).message === "fetch failed";
}

/**
 * Tells transient failures from deterministic ones by walking the error and its `cause` chain:
 * anything recognised as a dependency being unreachable, busy or slow is transient; everything else
 * — validation errors, a store refusing a document, a bug — is deterministic. Unknown errors count as
 * deterministic, so no unexpected failure can hold a partition forever.
 *
 * @example
 * classifyFailure(new MongoServerSelectionError("…")) // "transient"
 * classifyFailure(new MongoServerError({ code: 2, errmsg: "invalid key" })) // "deterministic"
 */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof z.ZodError || error instanceof PermanentError) return "deterministic";
  const seen = new Set<unknown>();
  for (let current = error; current && typeof current === "object" && !seen.has(current); ) {
    seen.add(current);
    if (current instanceof TransientError || isTransientOne(current as ErrorLike)) return "transient";
    current = (current as ErrorLike).cause;
  }
  return "deterministic";
}

/**
 * Whether an error is the MongoDB driver saying the database cannot be reached or is not answering
 * right now: a driver error (named Mongo…, or one of the driver's names above) that is transient by
 * `classifyFailure`. What an API answers 503 for — every way the driver has of saying it (server
 * selection, a broken or timed-out connection, a pool cleared under an operation), not a few names.
 *
 * @example
 * isDatabaseUnavailable(new MongoServerSelectionError("…")) // true
 * isDatabaseUnavailable(new MongoServerError({ code: 11000 })) // false: the database answered
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const name = (error as ErrorLike | null | undefined)?.name;
  const fromDriver =
    typeof name === "string" && (name.startsWith("Mongo") || transientMongoErrorNames.has(name));
  return fromDriver && classifyFailure(error) === "transient";
}

/** A short, single-line description of an error for logs, headers and event details. */
export function describeError(error: unknown): string {
  if (error instanceof z.ZodError) return `schema-invalid: ${z.prettifyError(error).replaceAll("\n", "; ")}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
