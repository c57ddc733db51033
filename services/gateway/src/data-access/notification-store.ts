import { type NotificationDocument, notificationsOf } from "@installhub/shared";
import type { Db, Filter } from "mongodb";
import type { Cursor } from "../domain/cursor.ts";

/**
 * The notifier's in-app notifications, only ever touched on behalf of their own user and within the
 * tenants the user's token still names.
 */
export function notificationStore(db: Db) {
  const collection = notificationsOf(db);
  return {
    async listForUser(query: {
      userId: string;
      tenants: string[];
      unreadOnly: boolean;
      after?: Cursor | undefined;
      limit: number;
    }): Promise<NotificationDocument[]> {
      const filter: Filter<NotificationDocument> = {
        userId: query.userId,
        tenantId: { $in: query.tenants },
        ...(query.unreadOnly ? { readAt: null } : {}),
      };
      if (query.after) {
        filter.$or = [
          { createdAt: { $lt: query.after.sortValue } },
          { createdAt: query.after.sortValue, _id: { $lt: query.after.id } },
        ];
      }
      return collection.find(filter).sort({ createdAt: -1, _id: -1 }).limit(query.limit).toArray();
    },
    /** Sets readAt the first time only; null when the user has no such notification. */
    async markRead(
      caller: { userId: string; tenants: string[] },
      id: string,
      now: Date,
    ): Promise<NotificationDocument | null> {
      const own = { _id: id, userId: caller.userId, tenantId: { $in: caller.tenants } };
      await collection.updateOne({ ...own, readAt: null }, { $set: { readAt: now.toISOString() } });
      return collection.findOne(own);
    },
  };
}
export type NotificationStore = ReturnType<typeof notificationStore>;
