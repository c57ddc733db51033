/**
 * What an Idempotency-Key already on record means for a new request with the same key
 * (draft-ietf-httpapi-idempotency-key-header §2; the API's rules in docs/api.md):
 * - `expired`: older than the window (24 h): forgotten, the key starts afresh;
 * - `mismatch`: the same key with another request → 422 IdempotencyKeyReused;
 * - `replay`: the first request was accepted → its 202 again, nothing new;
 * - `in-flight`: the first request may still be running → 409 IdempotencyKeyInFlight;
 * - `settle`: the first request stopped without recording its outcome (its process died, or its
 *   answer was lost) and had time enough to finish: whether its install exists decides between
 *   `replay` and taking the key over.
 */
export type KeyOnRecord = "expired" | "mismatch" | "replay" | "in-flight" | "settle";

/** How long a key is remembered (the API promises 24 h). */
export const idempotencyWindowMs = 24 * 60 * 60 * 1000;

/**
 * @param record the stored key: its request's fingerprint, state and creation time
 * @param acceptTimeoutMs how long an accepting request may run at most (ACCEPT_TIMEOUT_MS)
 */
export function keyOnRecord(
  record: { fingerprint: string; state: "pending" | "completed"; createdAt: Date },
  fingerprint: string,
  now: Date,
  acceptTimeoutMs: number,
): KeyOnRecord {
  const age = now.getTime() - record.createdAt.getTime();
  if (age >= idempotencyWindowMs) return "expired";
  if (record.fingerprint !== fingerprint) return "mismatch";
  if (record.state === "completed") return "replay";
  // A little beyond the timeout: the first request's own clock started a moment after ours.
  return age <= acceptTimeoutMs + 1000 ? "in-flight" : "settle";
}
