import {
  type InstallEventOf,
  importRecordsOf,
  isDuplicateKeyError,
  UninstallRequested,
} from "@installhub/shared";
import type { Db } from "mongodb";
import { installerCollections } from "./collections.ts";

type UninstallRequest = InstallEventOf<"UninstallRequested">;

/**
 * An uninstall that arrived while installs of its tenant accepted before it were still on their way
 * (being scanned): it runs once the last of them has ended, so a tenant's operations apply in the order
 * the gateway accepted them (docs/lifecycle.md). `position` is the request's offset in the tenant's
 * partition: waiting uninstalls run in that order.
 */
interface WaitingUninstallDocument {
  /** The uninstall's installId. */
  _id: string;
  tenantId: string;
  position: number;
  requestJson: string;
  /** InstallIds of the installs it waits for; each is pulled when its InstallSucceeded/InstallFailed is seen. */
  waitingFor: string[];
  state: "waiting" | "started";
}

export function waitingUninstallStore(db: Db) {
  const waiting = db.collection<WaitingUninstallDocument>(installerCollections.waitingUninstalls);
  const requests = db.collection<{
    _id: string;
    tenantId: string;
    requestJson?: string;
    importId?: string;
    dryRun?: boolean;
  }>(installerCollections.requests);
  return {
    /**
     * The tenant's installs accepted and not ended yet: requests the installer has seen (every one
     * before the current event, as a tenant's events are handled in order) whose import record is not
     * final. Dry runs change nothing and are not waited for.
     */
    async installsInFlight(tenantId: string): Promise<string[]> {
      const seen = await requests.find({ tenantId }).toArray();
      const installs = seen
        .map((document) => {
          const request = document.requestJson ? JSON.parse(document.requestJson) : document;
          return {
            installId: document._id,
            importId: request.importId as string,
            dryRun: request.dryRun === true,
          };
        })
        .filter((install) => !install.dryRun);
      if (installs.length === 0) return [];
      const ended = await importRecordsOf(db)
        .find(
          {
            _id: { $in: installs.map((install) => install.importId) },
            status: { $ne: "InProgress" },
          },
          { projection: { _id: 1 } },
        )
        .toArray();
      const endedIds = new Set(ended.map((record) => record._id));
      return installs
        .filter((install) => !endedIds.has(install.importId))
        .map((install) => install.installId);
    },

    /** Records the uninstall as waiting (once: a redelivery keeps the first record). */
    async add(request: UninstallRequest, position: number, waitingFor: string[]): Promise<void> {
      try {
        await waiting.insertOne({
          _id: request.installId,
          tenantId: request.tenantId,
          position,
          requestJson: JSON.stringify(request),
          waitingFor,
          state: "waiting",
        });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    },

    /** One of the tenant's installs ended: no uninstall waits for it any longer. */
    async installEnded(tenantId: string, installId: string): Promise<void> {
      await waiting.updateMany(
        { tenantId, state: "waiting", waitingFor: installId },
        { $pull: { waitingFor: installId } },
      );
    },

    /** The tenant's waiting uninstalls, in the order they were accepted. */
    async waitingOf(tenantId: string): Promise<{ request: UninstallRequest; waitingFor: string[] }[]> {
      const documents = await waiting.find({ tenantId, state: "waiting" }).sort({ position: 1 }).toArray();
      return documents.map((document) => ({
        request: UninstallRequested.parse(JSON.parse(document.requestJson)),
        waitingFor: document.waitingFor,
      }));
    },

    async started(installId: string): Promise<void> {
      await waiting.updateOne({ _id: installId }, { $set: { state: "started" } });
    },
  };
}
export type WaitingUninstallStore = ReturnType<typeof waitingUninstallStore>;
