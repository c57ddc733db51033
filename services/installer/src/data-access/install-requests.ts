import type { Db } from "mongodb";
import type { InstallRequest } from "../domain/journal.ts";
import { installerCollections } from "./collections.ts";
import { insertOnce } from "./insert-once.ts";

type InstallRequestDocument = InstallRequest & { _id: string };

/** The accepted install requests the installer has seen, by installId (first one wins on redelivery). */
export function installRequestStore(db: Db) {
  const requests = db.collection<InstallRequestDocument>(installerCollections.requests);
  return {
    async save(request: InstallRequest): Promise<void> {
      await insertOnce(requests, [{ ...request, _id: request.installId }]);
    },
    async find(installId: string): Promise<InstallRequest | null> {
      const document = await requests.findOne({ _id: installId });
      if (!document) return null;
      const { _id, ...request } = document;
      return request;
    },
  };
}
export type InstallRequestStore = ReturnType<typeof installRequestStore>;
