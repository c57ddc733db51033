import { isDuplicateKeyError } from "@installhub/shared";
import type { Db } from "mongodb";

export const idempotencyCollection = "idempotency_keys";
/** How long a key is remembered (the API promises 24 h). */
export const idempotencyWindowMs = 24 * 60 * 60 * 1000;

export interface IdempotencyRecord<Response> {
  /** `${callerSub}\n${key}`: keys are scoped per caller. */
  _id: string;
  fingerprint: string;
  /** The answer given to the first request, once it was accepted. */
  response: Response | null;
  state: "pending" | "completed";
  createdAt: Date;
}

export const idempotencyIndexes = {
  [idempotencyCollection]: [{ key: { createdAt: 1 }, name: "created_at" }],
};

export type Reservation<Response> =
  | { outcome: "reserved" }
  | { outcome: "existing"; record: IdempotencyRecord<Response> };

/**
 * Idempotency keys. A request first reserves its key (insert, unique by id); the one that wins
 * publishes and completes it, the others see the winner's record. Records older than the window count
 * as absent and are pruned as new keys arrive (FerretDB has no TTL indexes).
 */
export function idempotencyStore<Response>(db: Db) {
  const collection = db.collection<IdempotencyRecord<Response>>(idempotencyCollection);
  const idOf = (callerSub: string, key: string) => `${callerSub}\n${key}`;
  return {
    async reserve(
      callerSub: string,
      key: string,
      fingerprint: string,
      now: Date,
    ): Promise<Reservation<Response>> {
      const _id = idOf(callerSub, key);
      await collection.deleteMany({ createdAt: { $lt: new Date(now.getTime() - idempotencyWindowMs) } });
      for (;;) {
        const existing = await collection.findOne({ _id });
        if (existing && now.getTime() - existing.createdAt.getTime() < idempotencyWindowMs) {
          return { outcome: "existing", record: existing as IdempotencyRecord<Response> };
        }
        if (existing) await collection.deleteOne({ _id, createdAt: existing.createdAt });
        try {
          await collection.insertOne({
            _id,
            fingerprint,
            response: null,
            state: "pending",
            createdAt: now,
          } as never);
          return { outcome: "reserved" };
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
      }
    },
    async complete(callerSub: string, key: string, response: Response): Promise<void> {
      await collection.updateOne(
        { _id: idOf(callerSub, key) },
        { $set: { state: "completed", response } as never },
      );
    },
    /** Frees the key of a request that was not accepted, so a retry can use it. */
    async release(callerSub: string, key: string): Promise<void> {
      await collection.deleteOne({ _id: idOf(callerSub, key), state: "pending" });
    },
  };
}
export type IdempotencyStore<Response> = ReturnType<typeof idempotencyStore<Response>>;
