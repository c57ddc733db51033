import type { Collection, Filter, UpdateFilter } from "mongodb";

/** What an outbox entry holds for its relay, whatever else its outbox keeps beside it. */
export interface RelayedDocument {
  /** The installId of the operation. */
  _id: string;
  /** The event's `occurredAt` (ISO 8601): the relay publishes oldest first. */
  requestedAt: string;
  /** The event as JSON text (artifact keys may hold '.', which a nested document cannot). */
  requestJson: string;
  /** True once the event is known to be on the topic. */
  published: boolean;
}

/**
 * The relay's side of an outbox (docs/design.md §8): what is not yet on the topic, marking it
 * published, and forgetting published entries. The install outbox and the cancellation outbox are
 * both this queue, each with its own collection and event type.
 *
 * @example
 * const queue = relayQueue(collection, (document) => JSON.parse(document.requestJson));
 * for (const event of await queue.pending(new Date(Date.now() - graceMs), 100)) …
 */
export function relayQueue<D extends RelayedDocument, E>(
  collection: Collection<D>,
  eventOf: (document: D) => E,
) {
  return {
    /** The events are on the topic; the relay need not publish them again. */
    async markPublished(installIds: readonly string[]): Promise<void> {
      if (installIds.length === 0) return;
      const filter: Filter<RelayedDocument> = { _id: { $in: [...installIds] }, published: false };
      const update: UpdateFilter<RelayedDocument> = { $set: { published: true } };
      await collection.updateMany(filter as Filter<D>, update as UpdateFilter<D>);
    },
    /** Entries requested before `before` whose event is not known to be on the topic, oldest first. */
    async pending(before: Date, limit: number): Promise<E[]> {
      const filter: Filter<RelayedDocument> = {
        published: false,
        requestedAt: { $lt: before.toISOString() },
      };
      const documents = await collection
        .find(filter as Filter<D>)
        .sort({ requestedAt: 1 })
        .limit(limit)
        .toArray();
      return documents.map((document) => eventOf(document as D));
    },
    /** Forgets published entries requested before `before`; returns how many. */
    async prune(before: Date): Promise<number> {
      const filter: Filter<RelayedDocument> = { published: true, requestedAt: { $lt: before.toISOString() } };
      const { deletedCount } = await collection.deleteMany(filter as Filter<D>);
      return deletedCount;
    },
  };
}

/** A new, unpublished outbox entry holding `event`. */
export function relayedEntry(event: {
  installId: string;
  tenantId: string;
  occurredAt: string;
}): RelayedDocument & { tenantId: string } {
  return {
    _id: event.installId,
    tenantId: event.tenantId,
    requestedAt: event.occurredAt,
    requestJson: JSON.stringify(event),
    published: false,
  };
}
