import {
  type IndexPlan,
  type InstallEventOf,
  InstallRequested,
  UninstallRequested,
} from "@installhub/shared";
import type { Collection, Db, Filter } from "mongodb";
import { z } from "zod";
import type { Cursor } from "../domain/cursor.ts";
import { type RelayedDocument, relayedEntry, relayQueue } from "./relay-queue.ts";

type Requested = InstallEventOf<"InstallRequested">;
/** What the outbox holds: the request that starts an operation, an install's or an uninstall's. */
export type OperationRequest = Requested | InstallEventOf<"UninstallRequested">;
const OperationRequest = z.discriminatedUnion("type", [InstallRequested, UninstallRequested]);

/**
 * One accepted operation: the gateway's transactional outbox (docs/design.md §8). Accepting an install
 * (or an uninstall, docs/lifecycle.md) is this one insert; the `InstallRequested` (or
 * `UninstallRequested`) it holds is then published, at once or by the relay. Both kinds share the one
 * outbox and relay, so a tenant's operations reach the topic in the order they were accepted. The
 * event is kept as JSON text: artifact keys may hold '.', which a nested document cannot.
 */
interface OutboxDocument extends RelayedDocument {
  tenantId: string;
  /** Absent on entries from before uninstalls: an install. */
  kind?: "uninstall";
}

export const installOutboxCollection = "install_outbox";

export const installOutboxIndexes: IndexPlan = {
  [installOutboxCollection]: [
    { key: { published: 1, requestedAt: 1 }, name: "published_requested" },
    { key: { tenantId: 1, published: 1 }, name: "tenant_published" },
    { key: { tenantId: 1, requestedAt: -1, _id: -1 }, name: "tenant_requested" },
  ],
};

const eventOf = (document: Pick<OutboxDocument, "requestJson">): OperationRequest =>
  OperationRequest.parse(JSON.parse(document.requestJson));

/**
 * The outbox store. It keeps published entries a while (the status endpoint reads an install from
 * here until the projector has it) and forgets them with `prune`.
 */
export function installOutbox(db: Db) {
  const collection: Collection<OutboxDocument> = db.collection(installOutboxCollection);
  return {
    // pending, markPublished, and prune (the projection has an entry long before it is pruned).
    ...relayQueue(collection, eventOf),
    /** Records an accepted install or uninstall; once this resolves, it will happen. */
    async accept(event: OperationRequest): Promise<void> {
      await collection.insertOne({
        ...relayedEntry(event),
        ...(event.type === "UninstallRequested" ? { kind: "uninstall" as const } : {}),
      });
    },
    /** The accepted install's event, published or not (undefined for an uninstall's id). */
    async find(installId: string): Promise<Requested | undefined> {
      const document = await collection.findOne({ _id: installId });
      const event = document ? eventOf(document) : undefined;
      return event?.type === "InstallRequested" ? event : undefined;
    },
    /** The accepted operation's event, an install's or an uninstall's, published or not. */
    async findOperation(installId: string): Promise<OperationRequest | undefined> {
      const document = await collection.findOne({ _id: installId });
      return document ? eventOf(document) : undefined;
    },
    /** How many of a tenant's accepted installs are not yet on the topic, counted up to `limit`. */
    countUnpublished: (tenantId: string, limit: number): Promise<number> =>
      collection.countDocuments({ tenantId, published: false }, { limit }),
    /**
     * A tenant's accepted operations (installs and uninstalls), published or not, newest first
     * (request time, then id) after `after`: an operation is on the topic some moments before the
     * projector has it, and a list must show it meanwhile. Entries live until `prune`, so this is a
     * short scan.
     */
    async latestOf(
      tenantId: string,
      query: { after?: Cursor | undefined; limit: number },
    ): Promise<OperationRequest[]> {
      const filter: Filter<OutboxDocument> = { tenantId };
      if (query.after) {
        filter.$or = [
          { requestedAt: { $lt: query.after.sortValue } },
          { requestedAt: query.after.sortValue, _id: { $lt: query.after.id } },
        ];
      }
      const documents = await collection
        .find(filter)
        .sort({ requestedAt: -1, _id: -1 })
        .limit(query.limit)
        .toArray();
      return documents.map(eventOf);
    },
    /**
     * Removes an install that was never accepted (its insert landed after the caller was told 503),
     * unless it was published meanwhile; true when it was removed.
     */
    async withdraw(installId: string): Promise<boolean> {
      const { deletedCount } = await collection.deleteOne({ _id: installId, published: false });
      return deletedCount === 1;
    },
  };
}
export type InstallOutbox = ReturnType<typeof installOutbox>;
