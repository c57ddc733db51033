import { randomUUID } from "node:crypto";
import { AppError } from "@installhub/shared";
import type { Caller } from "../../auth/tokens.ts";
import { estimateSeconds } from "../../domain/estimate.ts";
import {
  type InstallBody,
  installRequested,
  requireTenant,
  requireTrustAcknowledgement,
  resolveVersion,
} from "../../domain/install-request.ts";
import { requestFingerprint } from "../../domain/request-fingerprint.ts";
import type { GatewayDeps } from "./context.ts";
import type { InstallAccepted } from "./schemas.ts";

export const statusPathOf = (installId: string) => `/api/marketplace/installs/${installId}/status`;

/**
 * An install request after authentication, the base permissions and body validation (docs/api.md
 * lists the whole check order): tenant → Idempotency-Key → package → version → trust level →
 * publish → initial status.
 */
export async function requestInstall(
  deps: GatewayDeps,
  input: { caller: Caller; packageId: string; body: InstallBody; idempotencyKey: string | undefined },
): Promise<InstallAccepted> {
  requireTenant(input.caller, input.body.targetTenantId);
  const key = input.idempotencyKey;
  if (key === undefined) return accept(deps, input);

  const fingerprint = requestFingerprint(input.packageId, input.body);
  const reservation = await deps.idempotency.reserve(input.caller.sub, key, fingerprint, deps.now());
  if (reservation.outcome === "existing") {
    const { record } = reservation;
    if (record.fingerprint !== fingerprint) {
      throw new AppError(
        "IdempotencyKeyReused",
        "This Idempotency-Key was used with a different request body",
      );
    }
    if (record.state === "pending" || !record.response) {
      throw new AppError(
        "IdempotencyKeyInFlight",
        "A request with this Idempotency-Key is still being processed",
      );
    }
    return record.response;
  }
  let accepted: InstallAccepted;
  try {
    accepted = await accept(deps, input);
  } catch (error) {
    await deps.idempotency.release(input.caller.sub, key).catch((releaseError: unknown) => {
      deps.logger.error({ err: releaseError }, "could not release an Idempotency-Key; it stays in flight");
    });
    throw error;
  }
  await deps.idempotency.complete(input.caller.sub, key, accepted).catch((error: unknown) => {
    deps.logger.error(
      { err: error, installId: accepted.installId },
      "could not record the Idempotency-Key's answer",
    );
  });
  return accepted;
}

async function accept(
  deps: GatewayDeps,
  input: { caller: Caller; packageId: string; body: InstallBody },
): Promise<InstallAccepted> {
  const pkg = await deps.catalog.findPackage(input.packageId);
  if (!pkg) throw new AppError("PackageNotFound", `Package '${input.packageId}' was not found`);
  const version = resolveVersion(pkg, input.body.version);
  requireTrustAcknowledgement(input.caller, pkg, input.body);

  const [publisher, recent] = await Promise.all([
    deps.catalog.findPublisher(pkg.publisherId),
    deps.recentCompletions(),
  ]);
  const event = installRequested({
    installId: `mkt-install-${randomUUID()}`,
    importId: `imp-${randomUUID()}`,
    caller: input.caller,
    body: input.body,
    pkg,
    version,
    publisher,
    now: deps.now(),
  });
  const log = deps.logger.child({ installId: event.installId, tenantId: event.tenantId });
  try {
    await deps.publisher.publish(event);
  } catch (error) {
    log.error({ err: error }, "Kafka did not take InstallRequested; nothing was accepted");
    throw new AppError(
      "ServiceUnavailable",
      "The install could not be queued; nothing was started. Try again later",
    );
  }
  // The event is durable: the install happens whatever follows. If this write fails, the projector
  // still creates the document from the event a moment later.
  await deps.statuses.apply(event).catch((error: unknown) => {
    log.error({ err: error }, "could not write the initial status; the projector will");
  });
  log.info({ packageId: event.packageId, version: event.version, dryRun: event.dryRun }, "install accepted");
  return {
    installId: event.installId,
    status: "InProgress",
    statusUrl: statusPathOf(event.installId),
    estimatedSeconds: estimateSeconds(version.artifactCount, recent),
  };
}
