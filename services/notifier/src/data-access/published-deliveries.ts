import { type InstallEventOf, insertIfAbsent } from "@installhub/shared";
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

/** Which of these NotificationDelivered events are on the topic already (by `deliveryEventId`). */
export async function publishedDeliveryEvents(db: Db, events: NotificationDelivered[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const found = await deliveryEventsOf(db)
    .find({ _id: { $in: events.map(deliveryEventId) } }, { projection: { _id: 1 } })
    .toArray();
  return new Set(found.map((document) => document._id));
}

export async function recordDeliveryEventsPublished(db: Db, events: NotificationDelivered[]): Promise<void> {
  const publishedAt = new Date().toISOString();
  await insertIfAbsent(
    deliveryEventsOf(db),
    events.map((event) => ({ _id: deliveryEventId(event), event, publishedAt })),
  );
}
