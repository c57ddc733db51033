import { InstallRequested, insertIfAbsent } from "@installhub/shared";
import type { Db } from "mongodb";
import type { InstallRequest } from "../domain/journal.ts";
import { installerCollections } from "./collections.ts";

/**
 * One accepted request. The event is kept as its JSON text, not as a nested document: its
 * `conflict.overrides` are keyed by artifact key, and artifact keys may hold '.' (and an event from
 * elsewhere may hold '$'), which a MongoDB-wire server refuses as field names (FerretDB does).
 */
interface InstallRequestDocument {
  _id: string;
  tenantId: string;
  requestJson: string;
}

/** How requests were stored before: the event's fields spread into the document. */
type EarlierRequestDocument = InstallRequest & { _id: string; requestJson?: undefined };

/** The accepted install requests the installer has seen, by installId (first one wins on redelivery). */
export function installRequestStore(db: Db) {
  const requests = db.collection<InstallRequestDocument>(installerCollections.requests);
  return {
    async save(request: InstallRequest): Promise<void> {
      await insertIfAbsent(requests, [
        { _id: request.installId, tenantId: request.tenantId, requestJson: JSON.stringify(request) },
      ]);
    },
    async find(installId: string): Promise<InstallRequest | null> {
      const document = (await requests.findOne({ _id: installId })) as
        | InstallRequestDocument
        | EarlierRequestDocument
        | null;
      if (!document) return null;
      if (document.requestJson === undefined) {
        const { _id, ...request } = document;
        return request;
      }
      return InstallRequested.parse(JSON.parse(document.requestJson));
    },
  };
}
export type InstallRequestStore = ReturnType<typeof installRequestStore>;
