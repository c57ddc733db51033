import { isDuplicateKeyError } from "@installhub/shared";
import type { Db } from "mongodb";
import { type InstalledPackage, installedPackageId, recordAfter } from "../domain/installed-package.ts";
import type { ImportJournal } from "../domain/journal.ts";
import { installerCollections } from "./collections.ts";

/**
 * `installed_packages`: the installer's own record of what each tenant has installed, which plans
 * upgrades and uninstalls. (The gateway's `GET /api/tenants/{tenantId}/packages` is a separate
 * projection of the events.) It is a projection of succeeded journals, brought up to one with
 * compare-and-set on the revision the journal was planned on, so a replayed or resumed import writes it
 * once, and one that a later operation already superseded writes nothing.
 */
export function installedPackageStore(db: Db) {
  const records = db.collection<InstalledPackage>(installerCollections.installedPackages);
  return {
    find: (tenantId: string, packageId: string) =>
      records.findOne({ _id: installedPackageId(tenantId, packageId) }),

    /**
     * Records what a succeeded journal leaves installed. True when the record now reflects this
     * journal (written now or before); false when a later operation has superseded it.
     */
    async recordOutcome(journal: ImportJournal): Promise<boolean> {
      const next = recordAfter(journal);
      const planned = journal.installedBefore?.revision ?? 0;
      if (planned === 0) {
        try {
          await records.insertOne(next);
          return true;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
      } else {
        const { _id, ...fields } = next;
        const { matchedCount } = await records.updateOne({ _id, revision: planned }, { $set: fields });
        if (matchedCount === 1) return true;
      }
      const stored = await records.findOne({ _id: next._id }, { projection: { lastImportId: 1 } });
      return stored?.lastImportId === journal._id;
    },
  };
}
export type InstalledPackageStore = ReturnType<typeof installedPackageStore>;
