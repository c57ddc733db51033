import { AppError } from "@installhub/shared";
import type { Caller } from "../auth/tokens.ts";
import type { InstallOutbox } from "../data-access/install-outbox.ts";
import type { InstallStatusStore } from "../data-access/install-status-store.ts";
import type { Cursor } from "../domain/cursor.ts";
import { requireTenant } from "../domain/install-request.ts";
import { type InstallState, reduceInstallStatus } from "../domain/install-status.ts";

export interface ReadInstallsDeps {
  statuses: InstallStatusStore;
  outbox: InstallOutbox;
}

/**
 * Where an install stands, for a caller who may see its tenant. An install accepted a moment ago, or
 * while Kafka is away, is not projected yet: its outbox entry says `Queued` meanwhile, so a status
 * read right after the 202 never answers 404 (docs/design.md §4).
 *
 * @throws AppError InstallNotFound — unknown, or in a tenant not in the caller's token (never reveal it exists)
 */
export async function installStatusOf(
  deps: ReadInstallsDeps,
  caller: Caller,
  installId: string,
): Promise<InstallState> {
  const state = (await deps.statuses.find(installId)) ?? (await acceptedOnly(deps, installId));
  if (!state || !caller.tenants.includes(state.tenantId)) {
    throw new AppError("InstallNotFound", `Install '${installId}' was not found`);
  }
  return state;
}

async function acceptedOnly(deps: ReadInstallsDeps, installId: string): Promise<InstallState | undefined> {
  const requested = await deps.outbox.findOperation(installId);
  return requested ? reduceInstallStatus(undefined, requested) : undefined;
}

const newestFirst = (a: InstallState, b: InstallState) =>
  a.requestedAt === b.requestedAt
    ? b.installId.localeCompare(a.installId)
    : b.requestedAt.localeCompare(a.requestedAt);

/**
 * A page of a tenant's installs, newest first (request time, then id), with those accepted but not
 * yet projected among them (still in the outbox, or on the topic ahead of the projector), so an
 * install is listed from its 202 on.
 *
 * @throws AppError Forbidden — the tenant is not in the caller's token
 */
export async function installsOfTenant(
  deps: ReadInstallsDeps,
  caller: Caller,
  query: {
    tenantId: string;
    status?: InstallState["status"] | undefined;
    after?: Cursor | undefined;
    limit: number;
  },
): Promise<InstallState[]> {
  requireTenant(caller, query.tenantId);
  // An outbox entry stands for its install until the projector has it, in whatever status. Which ones
  // the projection has is read before the page: an install projected in between is then in the page
  // and in the outbox's share, and the page's copy wins — never in neither.
  const latest = await deps.outbox.latestOf(query.tenantId, query);
  const known = await deps.statuses.projected(latest.map((event) => event.installId));
  const projected = await deps.statuses.listForTenant(query);
  const inPage = new Set(projected.map((state) => state.installId));
  const accepted = latest
    .filter((event) => !known.has(event.installId) && !inPage.has(event.installId))
    .map((event) => reduceInstallStatus(undefined, event))
    .filter((state) => query.status === undefined || state.status === query.status);
  return [...projected, ...accepted].sort(newestFirst).slice(0, query.limit);
}
