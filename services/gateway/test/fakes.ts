import {
  type AuditEntryDocument,
  admissionQueue,
  createLogger,
  type ImportRecordDocument,
  type InstallEventOf,
  type NotificationDocument,
  type PackageDocument,
  type PublisherDocument,
} from "@installhub/shared";
import type { CancellationOutbox } from "../src/data-access/cancellation-outbox.ts";
import type { CatalogReads } from "../src/data-access/catalog-reads.ts";
import type { IdempotencyRecord, IdempotencyStore } from "../src/data-access/idempotency-store.ts";
import type { ImportReads } from "../src/data-access/import-reads.ts";
import type { InstallOutbox, OperationRequest } from "../src/data-access/install-outbox.ts";
import type { InstallStatusStore } from "../src/data-access/install-status-store.ts";
import type { LifecycleProjectionStore, TopicPosition } from "../src/data-access/lifecycle-projection.ts";
import type { NotificationStore } from "../src/data-access/notification-store.ts";
import type { Cursor } from "../src/domain/cursor.ts";
import type { InstallAccepted } from "../src/domain/install-request.ts";
import { type InstallState, reduceInstallStatus } from "../src/domain/install-status.ts";
import { type InstalledPackageState, reduceInstalledPackage } from "../src/domain/installed-packages.ts";
import { historyRows, type OperationHistory, reduceHistory } from "../src/domain/package-history.ts";
import type { RequestInstallDeps } from "../src/use-cases/request-install.ts";

/**
 * In-memory stand-ins for the gateway's data-access boundary, for fast tests of use cases and routes
 * (`app.request()`): they keep what the real stores keep and answer what they answer, nothing more.
 * Anything that crosses a process — Kafka, the database itself — is tested against the real thing.
 */

/** Strings in the order MongoDB sorts them (by code unit, not by locale). */
const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What a query sorted `{ <sort value>: -1, _id: -1 }` after a cursor returns (the stores' pages):
 * newest first, ties broken by id, only items before `after` in that order, at most `limit`.
 */
function newestFirst<T>(
  items: T[],
  positionOf: (item: T) => Cursor,
  page: { after?: Cursor | undefined; limit: number },
): T[] {
  const descending = (a: Cursor, b: Cursor) =>
    compareStrings(b.sortValue, a.sortValue) || compareStrings(b.id, a.id);
  const { after } = page;
  return items
    .filter((item) => !after || descending(after, positionOf(item)) < 0)
    .sort((a, b) => descending(positionOf(a), positionOf(b)))
    .slice(0, page.limit);
}

export const acmePublisher: PublisherDocument = { _id: "acme", name: "ACME Corp", publicKey: null };

export function examplePackage(overrides: Partial<PackageDocument> = {}): PackageDocument {
  return {
    _id: "acme-invoice-workflows",
    name: "ACME Invoice Workflows",
    description: "Invoice approval workflows",
    publisherId: "acme",
    trustLevel: "Verified",
    updatedAt: "2026-05-01T00:00:00.000Z",
    versions: [
      {
        version: "3.0.0",
        yanked: false,
        archivePath: "packages/acme-invoice-workflows/3.0.0.tgz",
        sha256: "a".repeat(64),
        sizeBytes: 2048,
        signature: null,
        artifactCount: 5,
        publishedAt: "2026-05-01T00:00:00.000Z",
      },
    ],
    ...overrides,
  };
}

export function fakeCatalog(packages: PackageDocument[] = [examplePackage()]): CatalogReads {
  return {
    findPackage: async (id) => packages.find((pkg) => pkg._id === id) ?? null,
    findPublisher: async (id) => (id === acmePublisher._id ? acmePublisher : null),
    listPackages: async ({ afterId, limit, trustLevel }) =>
      packages
        .filter((pkg) => (!afterId || pkg._id > afterId) && (!trustLevel || pkg.trustLevel === trustLevel))
        .sort((a, b) => compareStrings(a._id, b._id))
        .slice(0, limit),
  };
}

export function fakeStatuses(
  initial: InstallState[] = [],
): InstallStatusStore & { states: Map<string, InstallState> } {
  const states = new Map(initial.map((state) => [state.installId, state]));
  return {
    states,
    apply: async (event) => {
      const next = reduceInstallStatus(states.get(event.installId), event);
      states.set(event.installId, next);
      return next;
    },
    applyMany: async (events) => {
      for (const event of events)
        states.set(event.installId, reduceInstallStatus(states.get(event.installId), event));
    },
    find: async (id) => states.get(id),
    projected: async (ids) => new Set(ids.filter((id) => states.has(id))),
    listForTenant: async ({ tenantId, status, ...page }) =>
      newestFirst(
        [...states.values()].filter(
          (state) => state.tenantId === tenantId && (!status || state.status === status),
        ),
        (state) => ({ sortValue: state.requestedAt, id: state.installId }),
        page,
      ),
    recentlySucceeded: async () => [],
    inFlight: async (tenantId, limit) =>
      Math.min(
        limit,
        [...states.values()].filter((s) => s.tenantId === tenantId && s.status === "InProgress").length,
      ),
  };
}

/**
 * What both outboxes (installs', cancels') keep: accepted events by installId, published or not, in
 * the order they were requested; with a hook to make `accept` slow (a database that answers late) and
 * a record of what was withdrawn.
 */
function outboxEntries<Event extends { installId: string; occurredAt: string }>() {
  const entries = new Map<string, { event: Event; published: boolean }>();
  const acceptDelay = { ms: 0 };
  return {
    entries,
    acceptDelay,
    withdrawn: [] as string[],
    /** Resolves when a write that started now lands (`acceptDelay.ms` later). */
    landing: async () => {
      if (acceptDelay.ms > 0) await new Promise((resolve) => setTimeout(resolve, acceptDelay.ms));
    },
    markPublished: async (ids: readonly string[]) => {
      for (const id of ids) {
        const entry = entries.get(id);
        if (entry) entry.published = true;
      }
    },
    pending: async (before: Date, limit: number) =>
      [...entries.values()]
        .filter((entry) => !entry.published && entry.event.occurredAt < before.toISOString())
        .map((entry) => entry.event)
        .sort((a, b) => compareStrings(a.occurredAt, b.occurredAt))
        .slice(0, limit),
    prune: async () => 0,
  };
}

/** The install outbox (installs and uninstalls), with `acceptDelay` to make `accept` slow. */
export function fakeOutbox(): InstallOutbox &
  Omit<ReturnType<typeof outboxEntries<OperationRequest>>, "landing"> {
  const { landing, ...kept } = outboxEntries<OperationRequest>();
  const { entries, withdrawn } = kept;
  return {
    ...kept,
    accept: async (event) => {
      await landing();
      entries.set(event.installId, { event, published: false });
    },
    find: async (id) => {
      const event = entries.get(id)?.event;
      return event?.type === "InstallRequested" ? event : undefined;
    },
    findOperation: async (id) => entries.get(id)?.event,
    countUnpublished: async (tenantId, limit) =>
      Math.min(
        limit,
        [...entries.values()].filter((e) => !e.published && e.event.tenantId === tenantId).length,
      ),
    latestOf: async (tenantId, page) =>
      newestFirst(
        [...entries.values()].map((entry) => entry.event).filter((event) => event.tenantId === tenantId),
        (event) => ({ sortValue: event.occurredAt, id: event.installId }),
        page,
      ),
    withdraw: async (id) => {
      const entry = entries.get(id);
      if (!entry || entry.published) return false;
      entries.delete(id);
      withdrawn.push(id);
      return true;
    },
  };
}

export function fakeIdempotency<Response = InstallAccepted>(): IdempotencyStore<Response> & {
  records: Map<string, IdempotencyRecord<Response>>;
} {
  const records = new Map<string, IdempotencyRecord<Response>>();
  const idOf = (sub: string, key: string) => `${sub}\n${key}`;
  return {
    records,
    reserve: async (sub, key, fingerprint, installId, now) => {
      const _id = idOf(sub, key);
      const existing = records.get(_id);
      if (existing) return { outcome: "existing", record: existing };
      records.set(_id, { _id, fingerprint, installId, response: null, state: "pending", createdAt: now });
      return { outcome: "reserved" };
    },
    complete: async (sub, key, response) => {
      const record = records.get(idOf(sub, key));
      if (record) records.set(record._id, { ...record, state: "completed", response });
    },
    release: async (sub, key) => {
      if (records.get(idOf(sub, key))?.state === "pending") records.delete(idOf(sub, key));
    },
    replace: async (record) => {
      if (records.get(record._id)?.createdAt === record.createdAt) records.delete(record._id);
    },
    prune: async () => 0,
  };
}

/** A relay that only records what it was asked to publish. */
export function fakeRelay<Event = OperationRequest>(): { enqueue(event: Event): void; enqueued: Event[] } {
  const enqueued: Event[] = [];
  return { enqueued, enqueue: (event) => void enqueued.push(event) };
}

/**
 * Everything `requestInstall` needs, in memory: the stores above, no limits, a silent logger.
 *
 * @example
 * const deps = fakeRequestInstallDeps({ acceptTimeoutMs: 50 });
 */
export function fakeRequestInstallDeps(
  settings: Partial<RequestInstallDeps["settings"]> = {},
  now: () => Date = () => new Date(),
) {
  return {
    settings: { acceptTimeoutMs: 200, maxInFlightPerTenant: 0, estimateSecondsPerArtifact: 0.2, ...settings },
    logger: createLogger("test", "silent"),
    catalog: fakeCatalog(),
    statuses: fakeStatuses(),
    outbox: fakeOutbox(),
    relay: fakeRelay(),
    admit: admissionQueue(16),
    idempotency: fakeIdempotency(),
    recentCompletions: async () => [],
    /** Nothing installed: no downgrade to refuse (docs/lifecycle.md). */
    lifecycle: { installedPackage: async (): Promise<InstalledPackageState | undefined> => undefined },
    now,
  };
}

type CancelRequested = InstallEventOf<"InstallCancelRequested">;

/**
 * The accepted cancels (`install_cancellations`): one per operation, the first one kept; with a hook to
 * make `accept` slow, like the outbox's.
 */
export function fakeCancellations(): CancellationOutbox &
  Omit<ReturnType<typeof outboxEntries<CancelRequested>>, "landing"> {
  const { landing, ...kept } = outboxEntries<CancelRequested>();
  const { entries, withdrawn } = kept;
  return {
    ...kept,
    accept: async (event) => {
      await landing();
      const first = entries.get(event.installId);
      if (first) return first.event;
      entries.set(event.installId, { event, published: false });
      return event;
    },
    withdraw: async (event) => {
      const entry = entries.get(event.installId);
      if (!entry || entry.published || entry.event.occurredAt !== event.occurredAt) return false;
      withdrawn.push(event.installId);
      return entries.delete(event.installId);
    },
    find: async (id) => entries.get(id)?.event,
  };
}

/**
 * The lifecycle projection (`tenant_packages`, `package_history`), folded with the same reducers as the
 * real store: an installed package skips events at or before the last position it applied, and history
 * rows are the operations' `historyRows`, dry runs left out.
 */
export function fakeLifecycle(): LifecycleProjectionStore & {
  installed: Map<string, { state: InstalledPackageState; position: TopicPosition }>;
  operations: Map<string, OperationHistory>;
} {
  const installed = new Map<string, { state: InstalledPackageState; position: TopicPosition }>();
  const operations = new Map<string, OperationHistory>();
  const idOf = (tenantId: string, packageId: string) => `${tenantId}\n${packageId}`;
  return {
    installed,
    operations,
    apply: async (event, position) => {
      const history = reduceHistory(operations.get(event.installId), event);
      if (history) operations.set(event.installId, history);
      const current = installed.get(idOf(event.tenantId, event.packageId));
      const isAfter =
        !current ||
        position.partition !== current.position.partition ||
        BigInt(position.offset) > BigInt(current.position.offset);
      if (!isAfter) return;
      const next = reduceInstalledPackage(current?.state, event);
      if (next && next !== current?.state)
        installed.set(idOf(event.tenantId, event.packageId), { state: next, position });
    },
    installedPackage: async (tenantId, packageId) => installed.get(idOf(tenantId, packageId))?.state,
    installedPackages: async (tenantId, afterPackageId, limit) =>
      [...installed.values()]
        .map((entry) => entry.state)
        .filter(
          (state) =>
            state.tenantId === tenantId &&
            state.state !== "NotInstalled" &&
            (afterPackageId === undefined || state.packageId > afterPackageId),
        )
        .sort((a, b) => compareStrings(a.packageId, b.packageId))
        .slice(0, limit),
    history: async ({ tenantId, packageId, ...page }) =>
      newestFirst(
        [...operations.values()]
          .filter((op) => op.tenantId === tenantId && op.packageId === packageId && !op.dryRun)
          .flatMap(historyRows),
        (row) => ({ sortValue: row.requestedAt, id: row.entryId }),
        page,
      ),
  };
}

/** The installer's import records and audit log, read within the caller's tenants. */
export function fakeImports(
  records: ImportRecordDocument[] = [],
  audit: AuditEntryDocument[] = [],
): ImportReads & { records: ImportRecordDocument[]; audit: AuditEntryDocument[] } {
  return {
    records,
    audit,
    findImport: async (importId, tenants) =>
      records.find((record) => record._id === importId && tenants.includes(record.tenantId)) ?? null,
    auditLog: async (importId) =>
      audit.filter((entry) => entry.importId === importId).sort((a, b) => a.seq - b.seq),
  };
}

/** The notifier's in-app notifications, touched only for their own user within the token's tenants. */
export function fakeNotifications(
  documents: NotificationDocument[] = [],
): NotificationStore & { documents: NotificationDocument[] } {
  const own = (caller: { userId: string; tenants: string[] }) => (notification: NotificationDocument) =>
    notification.userId === caller.userId && caller.tenants.includes(notification.tenantId);
  return {
    documents,
    listForUser: async ({ unreadOnly, ...query }) =>
      newestFirst(
        documents.filter((n) => own(query)(n) && (!unreadOnly || n.readAt === null)),
        (n) => ({ sortValue: n.createdAt, id: n._id }),
        query,
      ),
    markRead: async (caller, id, now) => {
      const found = documents.find((n) => n._id === id && own(caller)(n));
      if (!found) return null;
      found.readAt ??= now.toISOString();
      return { ...found };
    },
  };
}

/** A notification as the notifier stores it: the n-th install's success, for `userId` in `tenantId`. */
export function exampleNotification(
  n: number,
  userId = "user-1",
  tenantId = "tenant-a",
): NotificationDocument {
  return {
    _id: `ntf-${userId}-${n}`,
    userId,
    tenantId,
    installId: `mkt-install-${n}`,
    kind: "InstallSucceeded",
    title: `Install ${n} succeeded`,
    body: "5 artifacts installed",
    link: `/api/installhub/imports/imp-${n}`,
    createdAt: `2026-05-25T10:3${n}:00.000Z`,
    readAt: null,
  };
}

const importActor = { userId: "user-1", email: "admin@example.com" };

/** An import record as the installer stores it: a finished install of two artifacts. */
export function exampleImportRecord(overrides: Partial<ImportRecordDocument> = {}): ImportRecordDocument {
  return {
    _id: "imp-1",
    installId: "mkt-install-abc",
    tenantId: "tenant-a",
    packageId: "acme-invoice-workflows",
    version: "3.0.0",
    requestedBy: importActor,
    dryRun: false,
    status: "Success",
    startedAt: "2026-05-25T10:30:00.000Z",
    completedAt: "2026-05-25T10:31:00.000Z",
    artifactsInstalled: 2,
    conflictsResolved: 1,
    rolledBack: false,
    error: null,
    artifacts: [
      { key: "a", action: "Created", resultingKey: "a", beforeVersionId: null, afterVersionId: "v1" },
      { key: "b", action: "Overwritten", resultingKey: "b", beforeVersionId: "v0", afterVersionId: "v2" },
    ],
    ...overrides,
  };
}

/** The `seq`-th entry of an import's audit log, at 10:30:0<seq>, about no artifact unless overridden. */
export function exampleAuditEntry(
  record: Pick<ImportRecordDocument, "_id" | "tenantId">,
  seq: number,
  action: AuditEntryDocument["action"],
  overrides: Partial<AuditEntryDocument> = {},
): AuditEntryDocument {
  return {
    _id: `${record._id}:${seq}`,
    importId: record._id,
    tenantId: record.tenantId,
    seq,
    at: `2026-05-25T10:30:0${seq}.000Z`,
    actor: importActor,
    action,
    artifactKey: null,
    resultingKey: null,
    artifactAction: null,
    beforeVersionId: null,
    afterVersionId: null,
    message: null,
    ...overrides,
  };
}
