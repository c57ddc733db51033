import type { Collection, Db } from "mongodb";
import { z } from "zod";
import type { IndexPlan } from "../mongo/client.ts";

/**
 * An in-app notification as its user reads it (`GET /api/notifications`): written by the notifier,
 * served by the gateway, whose response schema extends this one.
 */
export const Notification = z.object({
  id: z.string(),
  tenantId: z.string(),
  installId: z.string(),
  kind: z.enum([
    "InstallSucceeded",
    "InstallFailed",
    "DryRunCompleted",
    "UninstallSucceeded",
    "UninstallFailed",
  ]),
  title: z.string(),
  body: z.string(),
  link: z
    .string()
    .describe("Path (on the gateway) the notification points to: the import, or its audit log on failure"),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
export type Notification = z.infer<typeof Notification>;

/** As stored in `notifications`: the notification, its id as `_id`, and whose it is. */
export type NotificationDocument = Omit<Notification, "id"> & {
  /** Deterministic per install outcome and user, so a redelivered outcome cannot notify twice. */
  _id: string;
  userId: string;
};

export const notificationCollection = "notifications";

export const notificationIndexes: IndexPlan = {
  [notificationCollection]: [
    { key: { userId: 1, createdAt: -1 }, name: "user_created" },
    { key: { userId: 1, readAt: 1, createdAt: -1 }, name: "user_unread" },
  ],
};

export function notificationsOf(db: Db): Collection<NotificationDocument> {
  return db.collection<NotificationDocument>(notificationCollection);
}

/** Where the gateway serves an import and its audit log; notifications and e-mails link here. */
export const importPath = (importId: string) => `/api/installhub/imports/${importId}`;
export const auditLogPath = (importId: string) => `/api/installhub/imports/${importId}/audit-log`;
