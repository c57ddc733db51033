import { insertIfAbsent } from "@installhub/shared";
import type { Collection, Db } from "mongodb";
import type { InstallRequest } from "../domain/outcome-message.ts";

/** What the notifier remembers of each `InstallRequested`, until the install's outcome arrives. */
export interface InstallRequestDocument extends InstallRequest {
  /** The installId. */
  _id: string;
  recordedAt: string;
}

export const installRequestCollection = "notification_requests";

function installRequestsOf(db: Db): Collection<InstallRequestDocument> {
  return db.collection<InstallRequestDocument>(installRequestCollection);
}

/** Idempotent: a replayed request leaves the first record as it was. */
export async function recordInstallRequest(db: Db, request: InstallRequest): Promise<void> {
  await insertIfAbsent(installRequestsOf(db), [
    { _id: request.installId, ...request, recordedAt: new Date().toISOString() },
  ]);
}

export function findInstallRequest(db: Db, installId: string): Promise<InstallRequestDocument | null> {
  return installRequestsOf(db).findOne({ _id: installId });
}
