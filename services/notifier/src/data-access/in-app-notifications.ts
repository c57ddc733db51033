import { insertIfAbsent, type NotificationDocument, notificationsOf } from "@installhub/shared";
import type { Db } from "mongodb";

/** Stores the notification unless one with its id exists; true when this call stored it. */
export async function insertNotificationOnce(db: Db, notification: NotificationDocument): Promise<boolean> {
  return (await insertIfAbsent(notificationsOf(db), [notification])) === 1;
}
