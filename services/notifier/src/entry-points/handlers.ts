import { describeError, type EventHandlers, type FailureHooks } from "@installhub/shared";
import { outcomeTypes } from "../domain/outcome-message.ts";
import type { DeliveryDeps } from "../use-cases/delivery-deps.ts";
import { notifyOutcome, rememberRequester } from "../use-cases/notify-outcome.ts";
import { installRefOf, reportDelivery } from "../use-cases/report-deliveries.ts";

/**
 * The notifier's Kafka handlers: remember who asked for each install or uninstall, and tell them how it
 * ended (docs/lifecycle.md). A cancel needs nothing of its own: the operation's outcome tells it.
 * Every handler is safe to run again for the same event (redelivery, group reset, replay).
 *
 * An outcome the notifier cannot deliver at all — its request was never recorded, so nobody is known
 * to tell — is not a message for the DLQ: the install did end, and what the notifier owes the topic is
 * the record that this notification failed (`NotificationDelivered`, outcome `failed`, both channels).
 */
export function installEventHandlers(deps: DeliveryDeps): { handlers: EventHandlers; hooks: FailureHooks } {
  return {
    handlers: {
      InstallRequested: (event) => rememberRequester(deps, event),
      InstallSucceeded: (event, context) => notifyOutcome(deps, event, context.logger),
      InstallFailed: (event, context) => notifyOutcome(deps, event, context.logger),
      UninstallRequested: (event) => rememberRequester(deps, event),
      UninstallSucceeded: (event, context) => notifyOutcome(deps, event, context.logger),
      UninstallFailed: (event, context) => notifyOutcome(deps, event, context.logger),
    },
    hooks: {
      onDeterministicFailure: async (event, error) => {
        if (!(outcomeTypes as readonly string[]).includes(event.type)) return;
        for (const channel of ["in-app", "email"] as const) {
          await reportDelivery(deps, {
            install: installRefOf(event),
            channel,
            recipient: "",
            notificationId: `${event.installId}:${event.type}`,
            outcome: "failed",
            error: describeError(error),
          });
        }
      },
    },
  };
}
