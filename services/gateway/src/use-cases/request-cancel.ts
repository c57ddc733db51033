import { AppError, beforeDeadline, DeadlineExceeded, lateAccepts } from "@installhub/shared";
import type { Caller } from "../auth/tokens.ts";
import { installPermissions, requirePermissions } from "../domain/install-request.ts";
import { cancelRequested, uninstallPermissions } from "../domain/lifecycle-request.ts";
import { requestFingerprint } from "../domain/request-fingerprint.ts";
import { idempotently } from "./idempotent.ts";
import type { LifecycleDeps } from "./lifecycle-deps.ts";
import { installStatusOf } from "./read-installs.ts";
import { statusPathOf } from "./request-install.ts";
import { notAccepted } from "./request-uninstall.ts";

export interface CancelAccepted {
  installId: string;
  /** When the (first) cancel of this operation was accepted. */
  cancelRequestedAt: string;
  statusUrl: string;
}

/**
 * `POST /api/marketplace/installs/{installId}/cancel` after authentication and the base permission:
 * install (404 for one the caller may not see) → the operation's permissions (an install's, or an
 * uninstall's) → Idempotency-Key → still in progress (else 409 InstallAlreadyFinished) → accept.
 * Accepting is one durable write, the cancel's record (`install_cancellations`), which the scanner and
 * the installer ask at their next safe point; the relay then publishes `InstallCancelRequested`. The
 * operation ends `Failed` with `InstallCancelled` unless it finishes first (docs/lifecycle.md). A
 * second cancel of the same operation gets the first one's answer.
 *
 * @throws AppError InstallNotFound, Forbidden, IdempotencyKeyReused, IdempotencyKeyInFlight,
 *   InstallAlreadyFinished, ServiceUnavailable
 */
export async function requestCancel(
  deps: LifecycleDeps,
  input: { caller: Caller; installId: string; idempotencyKey: string | undefined },
): Promise<CancelAccepted> {
  const deadline = Date.now() + deps.settings.acceptTimeoutMs;
  const inTime = <T>(work: Promise<T>, onLate?: (outcome: PromiseSettledResult<T>) => void) =>
    beforeDeadline(work, deadline, onLate).catch((error: unknown) => {
      if (error instanceof DeadlineExceeded) throw notAccepted("cancel");
      throw error;
    });
  const operation = await inTime(installStatusOf(deps, input.caller, input.installId));
  requirePermissions(
    input.caller,
    operation.kind === "uninstall" ? uninstallPermissions : installPermissions,
  );
  const answer = (cancelRequestedAt: string): CancelAccepted => ({
    installId: operation.installId,
    cancelRequestedAt,
    statusUrl: statusPathOf(operation.installId),
  });
  return idempotently(
    { ...deps, idempotency: deps.lifecycleIdempotency },
    {
      callerSub: input.caller.sub,
      key: input.idempotencyKey,
      fingerprint: requestFingerprint(operation.packageId, {
        operation: "cancel",
        installId: operation.installId,
      }),
      operationId: operation.installId,
    },
    inTime,
    {
      replay: async (installId) => {
        const recorded = await deps.cancellations.find(installId);
        return recorded ? answer(recorded.occurredAt) : undefined;
      },
      accept: async () => {
        if (operation.status !== "InProgress") {
          throw new AppError(
            "InstallAlreadyFinished",
            `Install '${operation.installId}' has finished (${operation.status}); there is nothing to cancel`,
          );
        }
        const event = cancelRequested({ operation, caller: input.caller, now: deps.now() });
        const log = deps.logger.child({ installId: operation.installId, tenantId: operation.tenantId });
        const recorded = await inTime(deps.cancellations.accept(event), (late) => {
          if (late.status !== "fulfilled") return void lateAccepts.inc({ result: "failed" });
          // The caller was told 503: take the cancel back, if it is this request's and still unpublished.
          void deps.cancellations.withdraw(event).then(
            (withdrawn) => {
              lateAccepts.inc({ result: withdrawn ? "withdrawn" : "published" });
              log.warn({ withdrawn }, "a cancel answered 503 was recorded late; withdrawn");
            },
            (error: unknown) =>
              log.error({ err: error }, "could not withdraw a cancel recorded after its 503"),
          );
        });
        deps.cancelRelay.enqueue(recorded);
        log.info({ by: input.caller.sub }, "cancel accepted");
        return answer(recorded.occurredAt);
      },
    },
  );
}
