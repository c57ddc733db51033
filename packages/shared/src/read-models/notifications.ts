import type { Collection, Db } from "mongodb";
import type { IndexPlan } from "../mongo/client.ts";

/** In-app notifications: written by the notifier, served to their user by the gateway. */
export interface NotificationDocument {
  /** Deterministic per install outcome and user, so a redelivered outcome cannot notify twice. */
  _id: string;
  userId: string;
  tenantId: string;
  installId: string;
  kind: "InstallSucceeded" | "InstallFailed" | "DryRunCompleted" | "UninstallSucceeded" | "UninstallFailed";
  title: string;
  body: string;
  /** Path (on the gateway) the notification points to: the import, or its audit log on failure. */
  link: string;
  createdAt: string;
  readAt: string | null;
}

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
