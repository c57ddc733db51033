import { insertIfAbsent } from "@installhub/shared";
import type { Db } from "mongodb";

export const idempotencyCollection = "idempotency_keys";

export interface IdempotencyRecord<Response> {
  /** `${callerSub}\n${key}`: keys are scoped per caller. */
  _id: string;
  fingerprint: string;
  /** Chosen before anything is written, so a retry after a lost answer finds the same install. */
  installId: string;
  /** The answer given, once the request was accepted. */
  response: Response | null;
  /** `pending` until the request's outcome is known: accepted (`completed`) or refused (deleted). */
  state: "pending" | "completed";
  createdAt: Date;
}

export const idempotencyIndexes = {
  [idempotencyCollection]: [{ key: { createdAt: 1 }, name: "created_at" }],
};

export type Reservation<Response> =
  | { outcome: "reserved" }
  | { outcome: "existing"; record: IdempotencyRecord<Response> }
  /** The record was deleted between the insert and the read (released or replaced): try again. */
  | { outcome: "vanished" };

/**
 * Idempotency keys. A request reserves its key with the installId it will use (insert, unique by id);
 * the one that wins goes on, the others see the winner's record. Deciding what a record means — still
 * in flight, abandoned, expired — is the use case's (`use-cases/request-install.ts`); this only stores.
 */
export function idempotencyStore<Response>(db: Db) {
  const collection = db.collection<IdempotencyRecord<Response>>(idempotencyCollection);
  const idOf = (callerSub: string, key: string) => `${callerSub}\n${key}`;
  return {
    /** Inserts the record, or returns the one already there. */
    async reserve(
      callerSub: string,
      key: string,
      fingerprint: string,
      installId: string,
      now: Date,
    ): Promise<Reservation<Response>> {
      const _id = idOf(callerSub, key);
      const pending = { _id, fingerprint, installId, response: null, state: "pending", createdAt: now };
      if ((await insertIfAbsent(collection, [pending as never])) === 1) return { outcome: "reserved" };
      const existing = await collection.findOne({ _id });
      return existing
        ? { outcome: "existing", record: existing as IdempotencyRecord<Response> }
        : { outcome: "vanished" };
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
    /** Removes exactly this record (expired, or abandoned by a request that died), if it is still there. */
    async replace(record: IdempotencyRecord<Response>): Promise<void> {
      await collection.deleteOne({ _id: record._id, createdAt: record.createdAt });
    },
    /** Deletes records created before `before`; the gateway calls it now and then (FerretDB has no TTL). */
    async prune(before: Date): Promise<number> {
      const { deletedCount } = await collection.deleteMany({ createdAt: { $lt: before } });
      return deletedCount;
    },
  };
}
export type IdempotencyStore<Response> = ReturnType<typeof idempotencyStore<Response>>;
