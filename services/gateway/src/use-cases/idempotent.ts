import { AppError, type Logger } from "@installhub/shared";
import type { IdempotencyStore } from "../data-access/idempotency-store.ts";
import { keyOnRecord } from "../domain/idempotency.ts";

export interface IdempotentDeps {
  idempotency: IdempotencyStore<unknown>;
  settings: { acceptTimeoutMs: number };
  logger: Logger;
  now: () => Date;
}

/**
 * Runs an accepting request under its `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header;
 * the API's rules in docs/api.md), the way an install request does (`use-cases/request-install.ts`):
 * the key is reserved with the operation id chosen up front; the same key with the same request gets
 * the first answer again (`replay`, which reads whether that operation was recorded), with another
 * request 422, while the first may still run 409. A request that was not accepted frees its key.
 *
 * @param steps.accept records the operation under `operationId` and answers (throws when refused)
 * @param steps.replay the answer for an operation recorded under `operationId`, or undefined if none was
 * @throws AppError IdempotencyKeyReused, IdempotencyKeyInFlight, and whatever `accept` throws
 */
export async function idempotently<Answer>(
  deps: IdempotentDeps,
  request: { callerSub: string; key: string | undefined; fingerprint: string; operationId: string },
  inTime: <T>(work: Promise<T>) => Promise<T>,
  steps: {
    accept: (operationId: string) => Promise<Answer>;
    replay: (operationId: string) => Promise<Answer | undefined>;
  },
): Promise<Answer> {
  const { callerSub: sub, key, fingerprint, operationId } = request;
  if (key === undefined) return steps.accept(operationId);
  for (;;) {
    const reservation = await inTime(
      deps.idempotency.reserve(sub, key, fingerprint, operationId, deps.now()),
    );
    if (reservation.outcome === "vanished") continue;
    if (reservation.outcome === "reserved") break;
    const record = reservation.record;
    const meaning = keyOnRecord(record, fingerprint, deps.now(), deps.settings.acceptTimeoutMs);
    if (meaning === "mismatch") {
      throw new AppError("IdempotencyKeyReused", "This Idempotency-Key was used with a different request");
    }
    if (meaning === "replay" && record.response) return record.response as Answer;
    if (meaning === "expired") {
      await inTime(deps.idempotency.replace(record));
      continue;
    }
    const earlier = await inTime(steps.replay(record.installId));
    if (earlier !== undefined) return earlier;
    if (meaning === "in-flight") {
      throw new AppError(
        "IdempotencyKeyInFlight",
        "A request with this Idempotency-Key is still being processed",
      );
    }
    // Abandoned by a request that never recorded its operation: the key is free again.
    await inTime(deps.idempotency.replace(record));
  }
  let accepted: Answer;
  try {
    accepted = await steps.accept(operationId);
  } catch (error) {
    void deps.idempotency.release(sub, key).catch((releaseError: unknown) => {
      deps.logger.warn({ err: releaseError }, "could not free an Idempotency-Key; it frees itself in time");
    });
    throw error;
  }
  void deps.idempotency.complete(sub, key, accepted).catch((error: unknown) => {
    deps.logger.warn({ err: error, operationId }, "could not record the Idempotency-Key's answer");
  });
  return accepted;
}
