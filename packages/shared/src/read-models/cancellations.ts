import type { Collection, Db } from "mongodb";
import { InstallCancelRequested, type InstallEventOf } from "../events/contracts.ts";
import type { IndexPlan } from "../mongo/client.ts";

type CancelRequested = InstallEventOf<"InstallCancelRequested">;

/**
 * A cancel the gateway accepted (`POST /api/marketplace/installs/{installId}/cancel`), one per install.
 * Written by the gateway as the one durable write before its 202 (the outbox its relay publishes
 * `InstallCancelRequested` from); read by the scanner and the installer at their safe points — between
 * artifacts, before an outcome — because a step in progress holds its tenant's lane and would see the
 * event on the topic only after it finished (docs/lifecycle.md). The event is kept as JSON text, like
 * the install outbox's.
 */
export interface CancellationDocument {
  /** The installId of the operation to cancel. */
  _id: string;
  tenantId: string;
  /** The event's `occurredAt`. */
  requestedAt: string;
  requestJson: string;
  published: boolean;
}

export const cancellationCollection = "install_cancellations";

export const cancellationIndexes: IndexPlan = {
  [cancellationCollection]: [{ key: { published: 1, requestedAt: 1 }, name: "published_requested" }],
};

export function cancellationsOf(db: Db): Collection<CancellationDocument> {
  return db.collection<CancellationDocument>(cancellationCollection);
}

export const cancelRequestOf = (document: Pick<CancellationDocument, "requestJson">): CancelRequested =>
  InstallCancelRequested.parse(JSON.parse(document.requestJson));

/** What a worker asks at a safe point: was this operation cancelled, and by whom. */
export interface CancellationReads {
  /** The accepted cancel of `installId`, or null. */
  find(installId: string): Promise<CancelRequested | null>;
}

export function cancellationReads(db: Db): CancellationReads {
  const collection = cancellationsOf(db);
  return {
    async find(installId) {
      const document = await collection.findOne({ _id: installId }, { projection: { requestJson: 1 } });
      return document ? cancelRequestOf(document) : null;
    },
  };
}
