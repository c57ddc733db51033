import type { EventHandlers } from "@installhub/shared";
import { recordInstallRequest } from "../data-access/install-requests.ts";
import type { DeliveryDeps } from "../delivery/deps.ts";
import { notifyOutcome } from "../delivery/notify-outcome.ts";
import { requestOf } from "../domain/outcome-message.ts";

/**
 * The notifier's Kafka handlers: remember who asked for each install, and tell them how it ended.
 * Every handler is safe to run again for the same event (redelivery, group reset, replay).
 */
export function installEventHandlers(deps: DeliveryDeps): EventHandlers {
  return {
    InstallRequested: (event) => recordInstallRequest(deps.db, requestOf(event)),
    InstallSucceeded: (event, context) => notifyOutcome(deps, event, context.logger),
    InstallFailed: (event, context) => notifyOutcome(deps, event, context.logger),
  };
}
