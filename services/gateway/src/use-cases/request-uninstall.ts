import { randomUUID } from "node:crypto";
import { AppError, beforeDeadline, DeadlineExceeded, lateAccepts } from "@installhub/shared";
import type { Caller } from "../auth/tokens.ts";
import { requireTenant } from "../domain/install-request.ts";
import { requireUninstallable, uninstallRequested } from "../domain/lifecycle-request.ts";
import { requestFingerprint } from "../domain/request-fingerprint.ts";
import { idempotently } from "./idempotent.ts";
import type { LifecycleDeps } from "./lifecycle-deps.ts";
import { statusPathOf } from "./request-install.ts";

export interface UninstallAccepted {
  installId: string;
  status: "InProgress";
  statusUrl: string;
}

/**
 * `DELETE /api/tenants/{tenantId}/packages/{packageId}` after authentication and its permissions
 * (docs/api.md has the check order): tenant → Idempotency-Key → installed? → accept. Accepting is one
 * durable write into the install outbox — the same one installs go through, so the relay publishes a
 * tenant's installs and uninstalls in the order they were accepted — then the 202, within
 * ACCEPT_TIMEOUT_MS or 503 with nothing started (docs/lifecycle.md).
 *
 * @throws AppError Forbidden, IdempotencyKeyReused, IdempotencyKeyInFlight, PackageNotInstalled,
 *   UninstallInProgress, ServiceUnavailable
 */
export async function requestUninstall(
  deps: LifecycleDeps,
  input: {
    caller: Caller;
    tenantId: string;
    packageId: string;
    force: boolean;
    idempotencyKey: string | undefined;
  },
): Promise<UninstallAccepted> {
  const deadline = Date.now() + deps.settings.acceptTimeoutMs;
  const inTime = <T>(work: Promise<T>, onLate?: (outcome: PromiseSettledResult<T>) => void) =>
    beforeDeadline(work, deadline, onLate).catch((error: unknown) => {
      if (error instanceof DeadlineExceeded) throw notAccepted("uninstall");
      throw error;
    });
  requireTenant(input.caller, input.tenantId);
  const answer = (installId: string): UninstallAccepted => ({
    installId,
    status: "InProgress",
    statusUrl: statusPathOf(installId),
  });
  return idempotently(
    { ...deps, idempotency: deps.lifecycleIdempotency },
    {
      callerSub: input.caller.sub,
      key: input.idempotencyKey,
      fingerprint: requestFingerprint(input.packageId, {
        operation: "uninstall",
        tenantId: input.tenantId,
        force: input.force,
      }),
      operationId: `mkt-install-${randomUUID()}`,
    },
    inTime,
    {
      replay: async (installId) =>
        (await deps.outbox.findOperation(installId))?.type === "UninstallRequested"
          ? answer(installId)
          : undefined,
      accept: async (installId) => {
        const installed = requireUninstallable(
          await inTime(deps.lifecycle.installedPackage(input.tenantId, input.packageId)),
          input.tenantId,
          input.packageId,
        );
        const pkg = await inTime(deps.catalog.findPackage(input.packageId));
        const event = uninstallRequested({
          installId,
          importId: `imp-${randomUUID()}`,
          caller: input.caller,
          tenantId: input.tenantId,
          packageId: input.packageId,
          packageName: pkg?.name ?? input.packageId,
          version: installed.version,
          force: input.force,
          now: deps.now(),
        });
        const log = deps.logger.child({ installId, tenantId: input.tenantId });
        await inTime(deps.outbox.accept(event), (late) => {
          if (late.status !== "fulfilled") return void lateAccepts.inc({ result: "failed" });
          // The caller was told 503: take the uninstall back before the relay's grace period ends.
          void deps.outbox.withdraw(installId).then(
            (withdrawn) => {
              lateAccepts.inc({ result: withdrawn ? "withdrawn" : "published" });
              log.warn({ withdrawn }, "an uninstall answered 503 was recorded late; withdrawn");
            },
            (error: unknown) =>
              log.error({ err: error }, "could not withdraw an uninstall recorded after its 503"),
          );
        });
        deps.relay.enqueue(event);
        log.info(
          { packageId: input.packageId, version: installed.version, force: input.force },
          "uninstall accepted",
        );
        return answer(installId);
      },
    },
  );
}

/** 503: what could not be recorded in time did not happen. */
export function notAccepted(what: "uninstall" | "cancel"): AppError {
  return new AppError(
    "ServiceUnavailable",
    `The ${what} could not be accepted in time; nothing was started. Try again later`,
  );
}
