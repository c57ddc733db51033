import type { InstallEventOf, NotificationChannel } from "@installhub/shared";
import {
  deliveryEventId,
  publishedDeliveryEvents,
  recordDeliveryEventsPublished,
} from "../data-access/published-deliveries.ts";
import type { DeliveryDeps } from "./delivery-deps.ts";

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
 * Emits `NotificationDelivered` for each report (channel and outcome) not emitted before — all of
 * them in one send. Recorded after the publish: a crash between the two re-emits them once on
 * replay, never loses one.
 */
export async function reportDeliveries(
  deps: Pick<DeliveryDeps, "db" | "publisher" | "now">,
  reports: readonly (DeliveryReport | undefined)[],
): Promise<void> {
  const events = reports
    .filter((report): report is DeliveryReport => report !== undefined)
    .map(
      (report): InstallEventOf<"NotificationDelivered"> => ({
        type: "NotificationDelivered",
        ...installRefOf(report.install),
        occurredAt: deps.now().toISOString(),
        channel: report.channel,
        recipient: report.recipient,
        notificationId: report.notificationId,
        outcome: report.outcome,
        ...(report.error === undefined ? {} : { error: report.error.slice(0, 1000) }),
      }),
    );
  const published = await publishedDeliveryEvents(deps.db, events);
  const fresh = events.filter((event) => !published.has(deliveryEventId(event)));
  if (fresh.length === 0) return;
  await deps.publisher.publish(fresh);
  await recordDeliveryEventsPublished(deps.db, fresh);
}

/** One report: `reportDeliveries` of one. */
export const reportDelivery = (
  deps: Pick<DeliveryDeps, "db" | "publisher" | "now">,
  report: DeliveryReport,
) => reportDeliveries(deps, [report]);
