import { type InstallEventOf, isDuplicateKeyError } from "@installhub/shared";
import type { Collection, Db } from "mongodb";

type NotificationDelivered = InstallEventOf<"NotificationDelivered">;

/** The NotificationDelivered events already on the topic: at most one per install, channel and outcome. */
interface DeliveryEventDocument {
  /** `${installId}:${channel}:${outcome}`. */
  _id: string;
  event: NotificationDelivered;
  publishedAt: string;
}

export const deliveryEventCollection = "notification_delivery_events";

function deliveryEventsOf(db: Db): Collection<DeliveryEventDocument> {
  return db.collection<DeliveryEventDocument>(deliveryEventCollection);
}

export const deliveryEventId = (event: NotificationDelivered) =>
  `${event.installId}:${event.channel}:${event.outcome}`;

export async function wasDeliveryEventPublished(db: Db, event: NotificationDelivered): Promise<boolean> {
  return (await deliveryEventsOf(db).countDocuments({ _id: deliveryEventId(event) }, { limit: 1 })) > 0;
}

export async function recordDeliveryEventPublished(db: Db, event: NotificationDelivered): Promise<void> {
  try {
    await deliveryEventsOf(db).insertOne({
      _id: deliveryEventId(event),
      event,
      publishedAt: new Date().toISOString(),
    });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}
