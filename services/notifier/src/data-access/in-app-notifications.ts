import { isDuplicateKeyError, type NotificationDocument, notificationsOf } from "@installhub/shared";
import type { Db } from "mongodb";

/** Stores the notification unless one with its id exists; true when this call stored it. */
export async function insertNotificationOnce(db: Db, notification: NotificationDocument): Promise<boolean> {
  try {
    await notificationsOf(db).insertOne(notification);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}
