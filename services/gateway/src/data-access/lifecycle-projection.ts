import { type IndexPlan, type InstallEvent, insertIfAbsent, isDuplicateKeyError } from "@installhub/shared";
import type { Collection, Db, Filter } from "mongodb";
import type { Cursor } from "../domain/cursor.ts";
import { type InstalledPackageState, reduceInstalledPackage } from "../domain/installed-packages.ts";
import {
  type HistoryRow,
  historyRows,
  type OperationHistory,
  reduceHistory,
} from "../domain/package-history.ts";

export const lifecycleCollections = {
  installed: "tenant_packages",
  history: "package_history",
} as const;

/** Where an event is in the topic: its tenant's partition and its offset there. */
export interface TopicPosition {
  partition: number;
  offset: string;
}

interface InstalledPackageDocument extends InstalledPackageState {
  /** `${tenantId}\n${packageId}`. */
  _id: string;
  /** The last event this document applied: older ones (redelivered, replayed) are skipped. */
  position: TopicPosition;
}

/**
 * A history row. An operation's own row (`_id` = installId) also keeps the folded `operation` and its
 * `revision` (compare-and-set); a cancel's row (`<installId>:cancel`) is derived from it and keeps the
 * revision it was derived from, so a late write of an older derivation never replaces a newer one.
 */
interface HistoryDocument extends HistoryRow {
  _id: string;
  tenantId: string;
  packageId: string;
  dryRun: boolean;
  revision: number;
  operationState?: OperationHistory;
}

export const lifecycleIndexes = (
  collections: { installed: string; history: string } = lifecycleCollections,
): IndexPlan => ({
  [collections.installed]: [{ key: { tenantId: 1, state: 1, packageId: 1 }, name: "tenant_state_package" }],
  [collections.history]: [
    { key: { tenantId: 1, packageId: 1, dryRun: 1, requestedAt: -1, _id: -1 }, name: "package_requested" },
  ],
});

const installedId = (tenantId: string, packageId: string) => `${tenantId}\n${packageId}`;

/** Offsets are int64 decimal strings: compared as such, not as text. */
const isAfter = (event: TopicPosition, applied: TopicPosition) =>
  event.partition !== applied.partition || BigInt(event.offset) > BigInt(applied.offset);

/**
 * The installed packages (`tenant_packages`) and their history (`package_history`), both projections of
 * the install topic kept by the gateway's lifecycle projector (docs/lifecycle.md). Installed packages
 * fold a tenant's events in partition order and remember the position of the last event applied;
 * history entries fold each operation's events with a monotonic reducer. Either way a redelivered or
 * replayed event changes nothing, and a projector started on an empty store rebuilds the same documents.
 */
export function lifecycleProjectionStore(
  db: Db,
  collections: { installed: string; history: string } = lifecycleCollections,
) {
  const installed: Collection<InstalledPackageDocument> = db.collection(collections.installed);
  const history: Collection<HistoryDocument> = db.collection(collections.history);

  const stateOf = ({ _id, position, ...state }: InstalledPackageDocument): InstalledPackageState => state;

  async function applyToInstalled(event: InstallEvent, position: TopicPosition): Promise<void> {
    const _id = installedId(event.tenantId, event.packageId);
    for (;;) {
      const current = await installed.findOne({ _id });
      if (current && !isAfter(position, current.position)) return;
      const previous = current ? stateOf(current) : undefined;
      const next = reduceInstalledPackage(previous, event);
      // An event that changes nothing needs no record of its position: it changes nothing again.
      if (!next || next === previous) return;
      if (!current) {
        if ((await insertIfAbsent(installed, [{ _id, ...next, position }])) === 1) return;
        continue; // another projector inserted it first: fold onto what it wrote
      }
      const { matchedCount } = await installed.updateOne(
        { _id, "position.partition": current.position.partition, "position.offset": current.position.offset },
        { $set: { ...next, position } },
      );
      if (matchedCount === 1) return;
    }
  }

  async function applyToHistory(event: InstallEvent): Promise<void> {
    for (;;) {
      const current = await history.findOne({ _id: event.installId });
      const previous = current?.operationState;
      const next = reduceHistory(previous, event);
      if (!next || JSON.stringify(next) === JSON.stringify(previous)) return;
      const revision = (current?.revision ?? 0) + 1;
      const [own, cancel] = historyRows(next).map((row) => ({
        ...row,
        _id: row.entryId,
        tenantId: next.tenantId,
        packageId: next.packageId,
        dryRun: next.dryRun,
        revision,
      }));
      if (!current) {
        if ((await insertIfAbsent(history, [{ ...own!, operationState: next }])) === 0) continue;
      } else {
        const { matchedCount } = await history.updateOne(
          { _id: event.installId, revision: current.revision },
          { $set: { ...own!, operationState: next } },
        );
        if (matchedCount === 0) continue;
      }
      if (cancel) {
        await history
          .replaceOne({ _id: cancel._id, revision: { $lt: revision } }, cancel, { upsert: true })
          .catch((error: unknown) => {
            // A newer derivation is there already (its revision is not lower): it stands.
            if (!isDuplicateKeyError(error)) throw error;
          });
      }
      return;
    }
  }

  return {
    /** Folds one event into the installed package and the history it concerns. */
    async apply(event: InstallEvent, position: TopicPosition): Promise<void> {
      await applyToHistory(event);
      await applyToInstalled(event, position);
    },

    async installedPackage(tenantId: string, packageId: string): Promise<InstalledPackageState | undefined> {
      const document = await installed.findOne({ _id: installedId(tenantId, packageId) });
      return document ? stateOf(document) : undefined;
    },

    /** A tenant's installed packages (not `NotInstalled`), by package id, after `afterPackageId`. */
    async installedPackages(
      tenantId: string,
      afterPackageId: string | undefined,
      limit: number,
    ): Promise<InstalledPackageState[]> {
      const filter: Filter<InstalledPackageDocument> = {
        tenantId,
        state: { $in: ["Installed", "Upgrading", "Uninstalling"] },
        ...(afterPackageId !== undefined ? { packageId: { $gt: afterPackageId } } : {}),
      };
      const documents = await installed.find(filter).sort({ packageId: 1 }).limit(limit).toArray();
      return documents.map(stateOf);
    },

    /** A package's history in a tenant, newest first (request time, then entry id); no dry runs. */
    async history(query: {
      tenantId: string;
      packageId: string;
      after?: Cursor | undefined;
      limit: number;
    }): Promise<HistoryRow[]> {
      const filter: Filter<HistoryDocument> = {
        tenantId: query.tenantId,
        packageId: query.packageId,
        dryRun: false,
      };
      if (query.after) {
        filter.$or = [
          { requestedAt: { $lt: query.after.sortValue } },
          { requestedAt: query.after.sortValue, _id: { $lt: query.after.id } },
        ];
      }
      const documents = await history
        .find(filter)
        .sort({ requestedAt: -1, _id: -1 })
        .limit(query.limit)
        .toArray();
      return documents.map(
        ({ _id, tenantId, packageId, dryRun, revision, operationState, ...row }): HistoryRow => row,
      );
    },
  };
}
export type LifecycleProjectionStore = ReturnType<typeof lifecycleProjectionStore>;
