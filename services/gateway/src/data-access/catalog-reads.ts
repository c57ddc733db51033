import {
  type PackageDocument,
  type PublisherDocument,
  packagesOf,
  publishersOf,
  type TrustLevel,
} from "@installhub/shared";
import type { Db, Filter } from "mongodb";

export function catalogReads(db: Db) {
  return {
    findPackage: (packageId: string): Promise<PackageDocument | null> =>
      packagesOf(db).findOne({ _id: packageId }),
    findPublisher: (publisherId: string): Promise<PublisherDocument | null> =>
      publishersOf(db).findOne({ _id: publisherId }),
    /** Packages ordered by id, after `afterId`. */
    async listPackages(query: {
      trustLevel?: TrustLevel | undefined;
      afterId?: string | undefined;
      limit: number;
    }): Promise<PackageDocument[]> {
      const filter: Filter<PackageDocument> = {
        ...(query.trustLevel ? { trustLevel: query.trustLevel } : {}),
        ...(query.afterId ? { _id: { $gt: query.afterId } } : {}),
      };
      return packagesOf(db).find(filter).sort({ _id: 1 }).limit(query.limit).toArray();
    },
  };
}
export type CatalogReads = ReturnType<typeof catalogReads>;
