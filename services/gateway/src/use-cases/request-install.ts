import { randomUUID } from "node:crypto";
import {
  type Admission,
  AppError,
  beforeDeadline,
  DeadlineExceeded,
  type Logger,
  lateAccepts,
  retryTransientForever,
} from "@installhub/shared";
import type { Caller } from "../auth/tokens.ts";
import type { CatalogReads } from "../data-access/catalog-reads.ts";
import type { IdempotencyRecord, IdempotencyStore } from "../data-access/idempotency-store.ts";
import type { InstallOutbox, OperationRequest } from "../data-access/install-outbox.ts";
import type { InstallStatusStore } from "../data-access/install-status-store.ts";
import type { LifecycleProjectionStore } from "../data-access/lifecycle-projection.ts";
import { type CompletedInstall, estimateSeconds } from "../domain/estimate.ts";
import { keyOnRecord } from "../domain/idempotency.ts";
import type { InstallAccepted } from "../domain/install-request.ts";
import {
  type InstallBody,
  installRequested,
  requireTenant,
  requireTrustAcknowledgement,
  resolveVersion,
} from "../domain/install-request.ts";
import { requireNoDowngrade } from "../domain/lifecycle-request.ts";
import { requestFingerprint } from "../domain/request-fingerprint.ts";

export const statusPathOf = (installId: string) => `/api/marketplace/installs/${installId}/status`;

/** Hands an accepted operation's event over to be published (the outbox relay); never throws, never waits. */
export interface EventRelay<E> {
  enqueue(event: E): void;
}

export interface RequestInstallDeps {
  settings: {
    /** The longest a request may take before it is answered 503 (ACCEPT_TIMEOUT_MS). */
    acceptTimeoutMs: number;
    /** Unfinished installs per tenant before 429 (0: no limit). */
    maxInFlightPerTenant: number;
    estimateSecondsPerArtifact: number;
  };
  logger: Logger;
  catalog: CatalogReads;
  statuses: InstallStatusStore;
  /** Accepted installs and their events: the transactional outbox. */
  outbox: InstallOutbox;
  /** Publishes an accepted install's event at once (or as soon as Kafka takes it). */
  relay: EventRelay<OperationRequest>;
  idempotency: IdempotencyStore<InstallAccepted>;
  /**
   * Bounds how many requests touch the stores at once (ACCEPT_CONCURRENCY); one waiting past its
   * deadline is answered 503 having written nothing.
   */
  admit: Admission;
  /** Recently finished installs for the estimate; may be a little stale. */
  recentCompletions: () => Promise<CompletedInstall[]>;
  /** What the tenant has installed (a downgrade needs `allowDowngrade`; docs/lifecycle.md). */
  lifecycle: Pick<LifecycleProjectionStore, "installedPackage">;
  now: () => Date;
}

export interface InstallRequest {
  caller: Caller;
  packageId: string;
  body: InstallBody;
  idempotencyKey: string | undefined;
}

/**
 * An install request, after authentication, the base permissions and body validation (docs/api.md
 * has the whole check order): tenant → Idempotency-Key → package → version → trust level → no
 * downgrade (unless allowed) → tenant's installs in flight → accept.
 *
 * Accepting is one durable write — the install's first status together with its `InstallRequested`
 * (the transactional outbox) — and then the 202: a 202 means the install happens exactly once, its
 * event published at once or, while Kafka is away, by the outbox relay. Every step runs against one
 * deadline (`acceptTimeoutMs`, at most 5 s): past it the answer is 503 and nothing happens — an insert
 * that lands after the deadline is withdrawn before the relay would take it.
 *
 * @throws AppError Forbidden, IdempotencyKeyReused, IdempotencyKeyInFlight, PackageNotFound,
 *   VersionNotFound, AcknowledgmentRequired, DowngradeNotAllowed, TooManyInstallsInFlight,
 *   ServiceUnavailable
 */
export async function requestInstall(
  deps: RequestInstallDeps,
  input: InstallRequest,
): Promise<InstallAccepted> {
  const deadline = Date.now() + deps.settings.acceptTimeoutMs;
  requireTenant(input.caller, input.body.targetTenantId);
  try {
    return await deps.admit(deadline, () => requestAdmitted(deps, input, deadline));
  } catch (error) {
    if (error instanceof DeadlineExceeded) throw notAccepted(deps, input);
    throw error;
  }
}

/** The request once admitted: what is left of its deadline bounds every store call. */
async function requestAdmitted(
  deps: RequestInstallDeps,
  input: InstallRequest,
  deadline: number,
): Promise<InstallAccepted> {
  const inTime = <T>(work: Promise<T>, onLate?: (outcome: PromiseSettledResult<T>) => void) =>
    beforeDeadline(work, deadline, onLate).catch((error: unknown) => {
      if (error instanceof DeadlineExceeded) throw notAccepted(deps, input);
      throw error;
    });

  const key = input.idempotencyKey;
  const installId = `mkt-install-${randomUUID()}`;
  if (key === undefined) return accept(deps, input, installId, inTime);

  const sub = input.caller.sub;
  const fingerprint = requestFingerprint(input.packageId, input.body);
  for (;;) {
    const reservation = await inTime(deps.idempotency.reserve(sub, key, fingerprint, installId, deps.now()));
    if (reservation.outcome === "vanished") continue;
    if (reservation.outcome === "reserved") break;
    const earlier = await replayOrTakeOver(deps, reservation.record, fingerprint, inTime);
    if (earlier) return earlier;
  }
  let accepted: InstallAccepted;
  try {
    accepted = await accept(deps, input, installId, inTime);
  } catch (error) {
    // Not accepted: the key is free for a corrected retry (once this write lands, if it is late).
    void deps.idempotency.release(sub, key).catch((releaseError: unknown) => {
      deps.logger.warn({ err: releaseError }, "could not free an Idempotency-Key; it frees itself in time");
    });
    throw error;
  }
  // Best effort: a key left pending is settled by its next use (the install exists → the same 202).
  void deps.idempotency.complete(sub, key, accepted).catch((error: unknown) => {
    deps.logger.warn({ err: error, installId }, "could not record the Idempotency-Key's answer");
  });
  return accepted;
}

/**
 * The earlier request with this key: its answer again, an error, or undefined when the key is free
 * to take over (expired, or abandoned by a request that never recorded an install).
 */
async function replayOrTakeOver(
  deps: RequestInstallDeps,
  record: IdempotencyRecord<InstallAccepted>,
  fingerprint: string,
  inTime: <T>(work: Promise<T>) => Promise<T>,
): Promise<InstallAccepted | undefined> {
  switch (keyOnRecord(record, fingerprint, deps.now(), deps.settings.acceptTimeoutMs)) {
    case "mismatch":
      throw new AppError(
        "IdempotencyKeyReused",
        "This Idempotency-Key was used with a different request body",
      );
    case "in-flight": {
      // Accepted already, its answer not yet recorded (that write runs in the background): replay.
      const install = await inTime(deps.outbox.find(record.installId));
      if (install)
        return answerFor(
          record.installId,
          install.artifactCount,
          await inTime(deps.recentCompletions()),
          deps,
        );
      throw new AppError(
        "IdempotencyKeyInFlight",
        "A request with this Idempotency-Key is still being processed",
      );
    }
    case "replay":
      if (record.response) return record.response;
      break; // completed without an answer on record cannot happen; settle below
    case "expired":
      await inTime(deps.idempotency.replace(record));
      return undefined;
    case "settle":
      break;
  }
  // Accepted means recorded in the outbox: its entry outlives the install's projection by a day.
  const install = await inTime(deps.outbox.find(record.installId));
  if (!install) {
    await inTime(deps.idempotency.replace(record));
    return undefined;
  }
  return answerFor(record.installId, install.artifactCount, await inTime(deps.recentCompletions()), deps);
}

async function accept(
  deps: RequestInstallDeps,
  input: InstallRequest,
  installId: string,
  inTime: <T>(work: Promise<T>, onLate?: (outcome: PromiseSettledResult<T>) => void) => Promise<T>,
): Promise<InstallAccepted> {
  const pkg = await inTime(deps.catalog.findPackage(input.packageId));
  if (!pkg) throw new AppError("PackageNotFound", `Package '${input.packageId}' was not found`);
  const version = resolveVersion(pkg, input.body.version);
  requireTrustAcknowledgement(input.caller, pkg, input.body);

  const tenantId = input.body.targetTenantId;
  const limit = deps.settings.maxInFlightPerTenant;
  const [publisher, recent, inFlight, installed] = await inTime(
    Promise.all([
      deps.catalog.findPublisher(pkg.publisherId),
      deps.recentCompletions(),
      limit > 0 ? installsInFlight(deps, tenantId, limit) : Promise.resolve(0),
      deps.lifecycle.installedPackage(tenantId, pkg._id),
    ]),
  );
  requireNoDowngrade(installed, version.version, input.body.allowDowngrade);
  if (limit > 0 && inFlight >= limit) {
    throw new AppError(
      "TooManyInstallsInFlight",
      `Tenant '${tenantId}' has ${limit} installs in progress; try again when one has finished`,
      {
        retryAfterSeconds: estimateSeconds(
          version.artifactCount,
          recent,
          deps.settings.estimateSecondsPerArtifact,
        ),
      },
    );
  }
  const event = installRequested({
    installId,
    importId: `imp-${randomUUID()}`,
    caller: input.caller,
    body: input.body,
    pkg,
    version,
    publisher,
    now: deps.now(),
  });
  const log = deps.logger.child({ installId, tenantId });
  await inTime(deps.outbox.accept(event), (late) => {
    // The caller was told 503, but the write reached the database after all — or may have: a write
    // that timed out can still have been applied. Take the install back, whatever the late outcome,
    // before the relay's grace period lets anyone publish it; a store that is away is waited for.
    void retryTransientForever(() => deps.outbox.withdraw(installId), {
      deterministicAttempts: 3,
      initialBackoffMs: 100,
      maxBackoffMs: 1_000,
      signal: AbortSignal.timeout(10 * 60_000),
    }).then(
      (withdrawn: boolean) => {
        const result = withdrawn ? "withdrawn" : late.status === "fulfilled" ? "published" : "failed";
        lateAccepts.inc({ result });
        log.warn({ result }, "an install answered 503 reached the database late");
      },
      (error: unknown) => log.error({ err: error }, "could not withdraw an install recorded after its 503"),
    );
  });
  deps.relay.enqueue(event);
  log.info({ packageId: event.packageId, version: event.version, dryRun: event.dryRun }, "install accepted");
  return answerFor(installId, version.artifactCount, recent, deps);
}

/** Unfinished installs of a tenant: projected ones, and accepted ones not yet on the topic. */
async function installsInFlight(deps: RequestInstallDeps, tenantId: string, limit: number): Promise<number> {
  const [projected, unpublished] = await Promise.all([
    deps.statuses.inFlight(tenantId, limit),
    deps.outbox.countUnpublished(tenantId, limit),
  ]);
  return projected + unpublished;
}

function answerFor(
  installId: string,
  artifactCount: number,
  recent: CompletedInstall[],
  deps: RequestInstallDeps,
): InstallAccepted {
  return {
    installId,
    status: "InProgress",
    statusUrl: statusPathOf(installId),
    estimatedSeconds: estimateSeconds(artifactCount, recent, deps.settings.estimateSecondsPerArtifact),
  };
}

function notAccepted(deps: RequestInstallDeps, input: InstallRequest): AppError {
  deps.logger.error(
    {
      tenantId: input.body.targetTenantId,
      packageId: input.packageId,
      timeoutMs: deps.settings.acceptTimeoutMs,
    },
    "the install could not be recorded in time; answered 503",
  );
  return new AppError(
    "ServiceUnavailable",
    "The install could not be accepted in time; nothing was started. Try again later",
  );
}
