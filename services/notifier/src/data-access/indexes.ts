import { type IndexPlan, notificationIndexes } from "@installhub/shared";
import type { Db } from "mongodb";
import { emailOutboxIndexes } from "./email-outbox.ts";

// The shared plan's literal type is narrower than IndexPlan, though every entry is a valid index.
const notifierIndexes: IndexPlan = { ...(notificationIndexes as IndexPlan), ...emailOutboxIndexes };

/**
 * Creates the notifier's indexes, one command per index: FerretDB 1.24 drops the connection when a
 * single createIndexes command names several indexes that already exist (every restart would fail).
 */
export async function ensureNotifierIndexes(db: Db): Promise<void> {
  for (const [collection, indexes] of Object.entries(notifierIndexes)) {
    for (const index of indexes) await db.collection(collection).createIndexes([index]);
  }
}
