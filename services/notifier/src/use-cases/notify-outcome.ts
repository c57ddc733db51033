import { type Logger, PermanentError } from "@installhub/shared";
import { insertNotificationOnce } from "../data-access/in-app-notifications.ts";
import { findInstallRequest, recordInstallRequest } from "../data-access/requester-records.ts";
import {
  composeOutcomeMessage,
  type InstallOutcome,
  type InstallRequest,
  type OutcomeMessage,
  type RequestEvent,
  requestOf,
} from "../domain/outcome-message.ts";
import type { DeliveryDeps } from "./delivery-deps.ts";
import { notifyByEmail } from "./email-delivery.ts";
import { type DeliveryReport, installRefOf, reportDeliveries } from "./report-deliveries.ts";

/** One in-app notification per operation's outcome (an installId is one install or one uninstall). */
export const notificationIdOf = (outcome: InstallOutcome) =>
  `ntf-${outcome.installId}-${outcome.type.endsWith("Succeeded") ? "succeeded" : "failed"}`;

/**
 * Remembers who asked for an install or an uninstall, so its outcome can be told to them. The first
 * record stands: a replayed request changes nothing.
 */
export function rememberRequester(deps: Pick<DeliveryDeps, "db">, event: RequestEvent): Promise<void> {
  return recordInstallRequest(deps.db, requestOf(event));
}

/**
 * Tells the requesting user how an install or an uninstall ended: in-app first (never held back by e-mail trouble),
 * then by e-mail. Safe to run any number of times for the same outcome.
 */
export async function notifyOutcome(
  deps: DeliveryDeps,
  outcome: InstallOutcome,
  logger: Logger,
): Promise<void> {
  const request = await findInstallRequest(deps.db, outcome.installId);
  // The request (InstallRequested, UninstallRequested) precedes the outcome on the same partition, so
  // it is never merely late.
  if (!request) throw new PermanentError(`no request recorded for ${outcome.installId}: recipient unknown`);
  const message = composeOutcomeMessage(request, outcome);
  const inApp = await notifyInApp(deps, request, outcome, message);
  const email = await notifyByEmail(deps, request, outcome, message, logger);
  // Both channels' NotificationDelivered in one send.
  await reportDeliveries(deps, [inApp, email]);
}

async function notifyInApp(
  deps: DeliveryDeps,
  request: InstallRequest,
  outcome: InstallOutcome,
  message: OutcomeMessage,
): Promise<DeliveryReport> {
  const id = notificationIdOf(outcome);
  await insertNotificationOnce(deps.db, {
    _id: id,
    userId: request.requestedBy.userId,
    tenantId: outcome.tenantId,
    installId: outcome.installId,
    kind: message.kind,
    title: message.title,
    body: message.summary,
    link: message.link.path,
    createdAt: deps.now().toISOString(),
    readAt: null,
  });
  return {
    install: installRefOf(outcome),
    channel: "in-app",
    recipient: request.requestedBy.userId,
    notificationId: id,
    outcome: "delivered",
  };
}
