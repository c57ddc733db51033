import { type IndexPlan, type InstallEvent, isDuplicateKeyError } from "@installhub/shared";
import type { Collection, Db } from "mongodb";
import type { ScanOutcome } from "../domain/outcome.ts";

/** One per install: the outcome decided for it, stored before its events are published. */
export interface ScanVerdictDocument {
  _id: string;
  tenantId: string;
  packageId: string;
  version: string;
  verdict: ScanOutcome["verdict"];
  archiveSha256: string | null;
  events: InstallEvent[];
  decidedAt: Date;
  /** Set once the events were acknowledged by Kafka; a redelivery then has nothing left to do. */
  publishedAt: Date | null;
}

export const scanVerdictsCollection = "scan_verdicts";

export const scanVerdictIndexes: IndexPlan = {
  [scanVerdictsCollection]: [{ key: { tenantId: 1, decidedAt: -1 }, name: "tenant_decided" }],
};

type InstallRef = Pick<InstallEvent, "installId" | "tenantId" | "packageId" | "version">;

export interface ScanVerdicts {
  find(installId: string): Promise<ScanVerdictDocument | null>;
  /** Stores the outcome unless one is stored already; returns the one that counts. */
  record(install: InstallRef, outcome: ScanOutcome): Promise<ScanVerdictDocument>;
  markPublished(installId: string): Promise<void>;
}

export function scanVerdictStore(db: Db): ScanVerdicts {
  const collection: Collection<ScanVerdictDocument> = db.collection(scanVerdictsCollection);
  return {
    find: (installId) => collection.findOne({ _id: installId }),
    async record(install, outcome) {
      const document: ScanVerdictDocument = {
        _id: install.installId,
        tenantId: install.tenantId,
        packageId: install.packageId,
        version: install.version,
        verdict: outcome.verdict,
        archiveSha256: outcome.archiveSha256 ?? null,
        events: outcome.events,
        decidedAt: new Date(),
        publishedAt: null,
      };
      try {
        await collection.insertOne(document);
        return document;
      } catch (error) {
        // Another scanner (a rebalance mid-scan) decided first: its verdict is the one on record.
        if (!isDuplicateKeyError(error)) throw error;
        const stored = await collection.findOne({ _id: install.installId });
        if (!stored) throw error;
        return stored;
      }
    },
    async markPublished(installId) {
      await collection.updateOne(
        { _id: installId, publishedAt: null },
        { $set: { publishedAt: new Date() } },
      );
    },
  };
}
