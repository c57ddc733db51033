import type { InstallEventOf, NotificationChannel } from "@installhub/shared";
import { recordDeliveryEventPublished, wasDeliveryEventPublished } from "../data-access/delivery-events.ts";
import type { DeliveryDeps } from "./deps.ts";

export interface InstallRef {
  installId: string;
  tenantId: string;
  packageId: string;
  version: string;
}

export const installRefOf = (event: InstallRef): InstallRef => ({
  installId: event.installId,
  tenantId: event.tenantId,
  packageId: event.packageId,
  version: event.version,
});

export interface DeliveryReport {
  install: InstallRef;
  channel: NotificationChannel;
  recipient: string;
  notificationId: string;
  outcome: "delivered" | "failed";
  error?: string;
}

/**
 * Emits `NotificationDelivered` for a channel and outcome unless it was emitted before. Recorded after
 * the publish: a crash between the two re-emits it once on replay, never loses it.
 */
export async function reportDelivery(deps: Pick<DeliveryDeps, "db" | "publisher">, report: DeliveryReport) {
  const event: InstallEventOf<"NotificationDelivered"> = {
    type: "NotificationDelivered",
    ...installRefOf(report.install),
    occurredAt: new Date().toISOString(),
    channel: report.channel,
    recipient: report.recipient,
    notificationId: report.notificationId,
    outcome: report.outcome,
    ...(report.error === undefined ? {} : { error: report.error.slice(0, 1000) }),
  };
  if (await wasDeliveryEventPublished(deps.db, event)) return;
  await deps.publisher.publish(event);
  await recordDeliveryEventPublished(deps.db, event);
}
