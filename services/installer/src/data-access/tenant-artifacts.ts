import { insertIfAbsent, sha256Hex } from "@installhub/shared";
import type { Db, ObjectId } from "mongodb";
import type { PlanStep } from "../domain/plan.ts";
import type { TenantArtifact } from "../domain/tenant-artifact.ts";
import { installerCollections } from "./collections.ts";

/** The tenant changed under the import in a way its plan did not expect: retrying cannot help. */
export class StoreConflictError extends Error {
  override readonly name = "StoreConflictError";
}

/** A tenant artifact as stored: the domain's shape with the driver's id. */
type TenantArtifactDocument = Omit<TenantArtifact, "_id"> & { _id?: ObjectId };

export function tenantArtifactsOf(db: Db) {
  return db.collection<TenantArtifactDocument>(installerCollections.tenantArtifacts);
}

/**
 * The tenant's artifact store. Writes compare-and-set on the versionId the plan expects before the
 * step, and recognise the versionId the step writes, so applying or undoing a step twice is a no-op.
 */
export function tenantArtifactStore(db: Db) {
  const artifacts = tenantArtifactsOf(db);

  const currentVersion = async (tenantId: string, key: string) =>
    (await artifacts.findOne({ tenantId, key }, { projection: { versionId: 1 } }))?.versionId ?? null;

  const expectVersion = async (tenantId: string, key: string, expected: string | null, doing: string) => {
    const actual = await currentVersion(tenantId, key);
    if (actual !== expected) {
      throw new StoreConflictError(
        `${doing} ${key}: the tenant holds version ${actual ?? "none"}, expected ${expected ?? "none"}`,
      );
    }
  };

  return {
    /** The tenant's artifacts at these keys, and every key it holds (for picking free names). */
    async stateFor(tenantId: string, keys: string[]) {
      const existing = await artifacts.find({ tenantId, key: { $in: keys } }).toArray();
      const allKeys = await artifacts.find({ tenantId }, { projection: { key: 1 } }).toArray();
      return {
        existing: new Map(existing.map((artifact) => [artifact.key, artifact])),
        tenantKeys: new Set(allKeys.map((artifact) => artifact.key)),
      };
    },

    async apply(
      step: PlanStep,
      written: Pick<TenantArtifact, "tenantId" | "content" | "source" | "updatedAt">,
    ): Promise<void> {
      if (!step.afterVersionId) return;
      const document: TenantArtifactDocument = {
        ...written,
        key: step.resultingKey,
        type: step.type,
        name: step.resultingName,
        sha256: sha256Hex(Buffer.from(written.content, "utf8")),
        versionId: step.afterVersionId,
      };
      if (step.before) {
        const { matchedCount } = await artifacts.updateOne(
          { tenantId: written.tenantId, key: step.resultingKey, versionId: step.before.versionId },
          { $set: document },
        );
        if (matchedCount === 0)
          await expectVersion(written.tenantId, step.resultingKey, step.afterVersionId, "overwriting");
        return;
      }
      if ((await insertIfAbsent(artifacts, [document])) === 0) {
        await expectVersion(written.tenantId, step.resultingKey, step.afterVersionId, "creating");
      }
    },

    /** The tenant's current versionId at each of `keys` that holds an artifact. */
    async versionsAt(tenantId: string, keys: string[]): Promise<Map<string, string>> {
      const found = await artifacts
        .find({ tenantId, key: { $in: keys } }, { projection: { key: 1, versionId: 1 } })
        .toArray();
      return new Map(found.map((artifact) => [artifact.key, artifact.versionId]));
    },

    /**
     * Removes the artifact a `Removed` step (upgrade, uninstall) planned to remove, if it is still at
     * the version the plan saw; gone already (a replay) is done. Any other version is the tenant's
     * change under the plan: StoreConflictError.
     */
    async remove(tenantId: string, step: PlanStep): Promise<void> {
      if (!step.before) return;
      const { deletedCount } = await artifacts.deleteOne({
        tenantId,
        key: step.resultingKey,
        versionId: step.before.versionId,
      });
      if (deletedCount === 0) await expectVersion(tenantId, step.resultingKey, null, "removing");
    },

    /**
     * Removes what the step created, puts back exactly the document it overwrote, or (for a removal)
     * the document it removed, whole and with its _id. Only the step's own version is touched: done
     * already, never applied, or replaced by another writer since, it is left as it is. True when this
     * call changed the tenant.
     */
    async undo(tenantId: string, step: PlanStep): Promise<boolean> {
      if (step.action === "Removed") {
        if (!step.before) return false;
        // The journal kept the removed document as read, its ObjectId included. Put back already, or
        // the key holds something new since (unique per tenant and key): either way not ours to touch.
        return (await insertIfAbsent(artifacts, [{ ...step.before } as TenantArtifactDocument])) === 1;
      }
      if (!step.afterVersionId) return false;
      const mine = { tenantId, key: step.resultingKey, versionId: step.afterVersionId };
      if (!step.before) return (await artifacts.deleteOne(mine)).deletedCount === 1;
      const { _id, ...before } = step.before;
      return (await artifacts.replaceOne(mine, before)).matchedCount === 1;
    },
  };
}
export type TenantArtifactStore = ReturnType<typeof tenantArtifactStore>;
