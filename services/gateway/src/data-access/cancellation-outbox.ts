import {
  cancellationIndexes,
  cancellationsOf,
  cancelRequestOf,
  type InstallEventOf,
  insertIfAbsent,
} from "@installhub/shared";
import type { Db } from "mongodb";
import { relayedEntry, relayQueue } from "./relay-queue.ts";

type CancelRequested = InstallEventOf<"InstallCancelRequested">;

export { cancellationIndexes };

/**
 * The accepted cancels (`install_cancellations`, packages/shared/src/read-models/cancellations.ts):
 * one per operation, written before the 202 — the record the scanner and the installer ask at their
 * safe points, and the outbox the cancel relay publishes `InstallCancelRequested` from.
 */
export function cancellationOutbox(db: Db) {
  const collection = cancellationsOf(db);
  return {
    // pending, markPublished, and prune: the workers read a cancel until its operation ends, so it is
    // kept for long (30 days by default), as an operation may wait for a dependency.
    ...relayQueue(collection, cancelRequestOf),
    /**
     * Records the cancel; once this resolves, the operation stops at its next safe point (unless it
     * finishes first). A second cancel of the same operation changes nothing and returns the first.
     */
    async accept(event: CancelRequested): Promise<CancelRequested> {
      if ((await insertIfAbsent(collection, [relayedEntry(event)])) === 1) return event;
      const first = await collection.findOne({ _id: event.installId });
      // Present a moment ago and gone now: only a prune of old published cancels deletes them.
      if (!first) throw new Error(`the cancel of ${event.installId} vanished while it was accepted`);
      return cancelRequestOf(first);
    },
    /**
     * Removes a cancel that was never accepted (its insert landed after the caller was told 503): only
     * this request's own record, and only while unpublished. True when it was removed.
     */
    async withdraw(event: CancelRequested): Promise<boolean> {
      const { deletedCount } = await collection.deleteOne({
        _id: event.installId,
        requestedAt: event.occurredAt,
        published: false,
      });
      return deletedCount === 1;
    },
    async find(installId: string): Promise<CancelRequested | undefined> {
      const document = await collection.findOne({ _id: installId });
      return document ? cancelRequestOf(document) : undefined;
    },
  };
}
export type CancellationOutbox = ReturnType<typeof cancellationOutbox>;
