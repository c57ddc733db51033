import type { IndexPlan, InstallEvent } from "@installhub/shared";
import { insertIfAbsent } from "@installhub/shared";
import type { Collection, Db, Filter } from "mongodb";
import type { Cursor } from "../domain/cursor.ts";
import type { CompletedInstall } from "../domain/estimate.ts";
import { type InstallState, reduceInstallStatus, stateChanged } from "../domain/install-status.ts";

export const installStatusCollection = "install_status";

/** The stored state plus `revision`, the optimistic-concurrency token of the conditional upsert. */
export interface InstallStatusDocument extends InstallState {
  _id: string;
  revision: number;
}

export const installStatusIndexes = (collection = installStatusCollection): IndexPlan => ({
  [collection]: [
    { key: { tenantId: 1, requestedAt: -1, _id: -1 }, name: "tenant_requested" },
    { key: { tenantId: 1, status: 1, requestedAt: -1, _id: -1 }, name: "tenant_status_requested" },
    { key: { status: 1, finishedAt: -1 }, name: "status_finished" },
  ],
});

export interface InstallStatusStore {
  /** Folds one event into its install's document; safe to call twice and from several processes. */
  apply(event: InstallEvent): Promise<InstallState>;
  /**
   * Folds many events (a fetched batch) into their installs' documents: one read for all of them and
   * one write per install that changed, instead of a read and a write per event.
   */
  applyMany(events: readonly InstallEvent[]): Promise<void>;
  find(installId: string): Promise<InstallState | undefined>;
  /** Which of these installs the projection has (in any status). */
  projected(installIds: readonly string[]): Promise<Set<string>>;
  listForTenant(query: {
    tenantId: string;
    status?: InstallState["status"] | undefined;
    after?: Cursor | undefined;
    limit: number;
  }): Promise<InstallState[]>;
  /** The latest `limit` successful installs, newest first, real ones or dry runs as `dryRun` says. */
  recentlySucceeded(query: { limit: number; dryRun: boolean }): Promise<CompletedInstall[]>;
  /** Installs of a tenant not yet finished, counted up to `limit`. */
  inFlight(tenantId: string, limit: number): Promise<number>;
}

function stateOf(document: InstallStatusDocument): InstallState {
  const { _id, revision, ...state } = document;
  return state;
}

/**
 * `install_status` behind the pure reducer. Every write is a compare-and-set on `revision`: read the
 * document, reduce, write only if nobody wrote in between (else read again). As the reducer is
 * monotonic, no writer, the gateway's or the projector's, can move a document backwards.
 */
export function installStatusStore(db: Db, collectionName = installStatusCollection): InstallStatusStore {
  const collection: Collection<InstallStatusDocument> = db.collection(collectionName);
  const store: InstallStatusStore = {
    async apply(event) {
      for (;;) {
        const current = await collection.findOne({ _id: event.installId });
        const previous = current ? stateOf(current) : undefined;
        const next = reduceInstallStatus(previous, event);
        if (!stateChanged(previous, next)) return next;
        if (!current) {
          // Another projector inserted it first: fold onto what it wrote.
          if ((await insertIfAbsent(collection, [{ _id: event.installId, revision: 1, ...next }])) === 0)
            continue;
          return next;
        }
        const { matchedCount } = await collection.updateOne(
          { _id: event.installId, revision: current.revision },
          { $set: { ...next, revision: current.revision + 1 } },
        );
        if (matchedCount === 1) return next;
      }
    },

    async applyMany(events) {
      if (events.length === 0) return;
      const byInstall = new Map<string, InstallEvent[]>();
      for (const event of events) {
        const list = byInstall.get(event.installId);
        if (list) list.push(event);
        else byInstall.set(event.installId, [event]);
      }
      const stored = await collection.find({ _id: { $in: [...byInstall.keys()] } }).toArray();
      const current = new Map(stored.map((document) => [document._id, document]));
      for (const [installId, installEvents] of byInstall) {
        const document = current.get(installId);
        const previous = document ? stateOf(document) : undefined;
        const next = installEvents.reduce<InstallState | undefined>(reduceInstallStatus, previous)!;
        if (!stateChanged(previous, next)) continue;
        const written = document
          ? (
              await collection.updateOne(
                { _id: installId, revision: document.revision },
                { $set: { ...next, revision: document.revision + 1 } },
              )
            ).matchedCount === 1
          : (await insertIfAbsent(collection, [{ _id: installId, revision: 1, ...next }])) === 1;
        // Someone else wrote this install meanwhile: fold its events one by one, compare-and-set each.
        if (!written) for (const event of installEvents) await store.apply(event);
      }
    },

    async find(installId) {
      const document = await collection.findOne({ _id: installId });
      return document ? stateOf(document) : undefined;
    },

    async projected(installIds) {
      if (installIds.length === 0) return new Set();
      const documents = await collection
        .find({ _id: { $in: [...installIds] } }, { projection: { _id: 1 } })
        .toArray();
      return new Set(documents.map((document) => document._id));
    },

    async listForTenant({ tenantId, status, after, limit }) {
      const filter: Filter<InstallStatusDocument> = { tenantId, ...(status ? { status } : {}) };
      if (after) {
        filter.$or = [
          { requestedAt: { $lt: after.sortValue } },
          { requestedAt: after.sortValue, _id: { $lt: after.id } },
        ];
      }
      const documents = await collection
        .find(filter)
        .sort({ requestedAt: -1, _id: -1 })
        .limit(limit)
        .toArray();
      return documents.map(stateOf);
    },

    inFlight: (tenantId, limit) => collection.countDocuments({ tenantId, status: "InProgress" }, { limit }),

    async recentlySucceeded({ limit, dryRun }) {
      const documents = await collection
        .find({ status: "Success", "success.dryRun": dryRun })
        .sort({ finishedAt: -1 })
        .limit(limit)
        .project<{ requestedAt: string; finishedAt: string; artifactCount: number | null }>({
          requestedAt: 1,
          finishedAt: 1,
          artifactCount: 1,
        })
        .toArray();
      return documents.map((d) => ({
        requestedAt: d.requestedAt,
        finishedAt: d.finishedAt,
        artifactCount: d.artifactCount ?? 0,
      }));
    },
  };
  return store;
}
