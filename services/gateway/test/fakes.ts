import {
  admissionQueue,
  createLogger,
  type InstallEventOf,
  type PackageDocument,
  type PublisherDocument,
} from "@installhub/shared";
import type { CatalogReads } from "../src/data-access/catalog-reads.ts";
import type { IdempotencyRecord, IdempotencyStore } from "../src/data-access/idempotency-store.ts";
import type { InstallOutbox, OperationRequest } from "../src/data-access/install-outbox.ts";
import type { InstallStatusStore } from "../src/data-access/install-status-store.ts";
import { type InstallState, reduceInstallStatus } from "../src/domain/install-status.ts";
import type { InstalledPackageState } from "../src/domain/installed-packages.ts";
import type { InstallAccepted } from "../src/entry-points/http/schemas.ts";
import type { RequestInstallDeps } from "../src/use-cases/request-install.ts";

/**
 * In-memory stand-ins for the gateway's data-access boundary, for fast tests of use cases and routes
 * (`app.request()`): they keep what the real stores keep and answer what they answer, nothing more.
 * Anything that crosses a process — Kafka, the database itself — is tested against the real thing.
 */

type Requested = InstallEventOf<"InstallRequested">;

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
        .sort((a, b) => a._id.localeCompare(b._id))
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
    listForTenant: async ({ tenantId, status, limit }) =>
      [...states.values()]
        .filter((state) => state.tenantId === tenantId && (!status || state.status === status))
        .slice(0, limit),
    recentlySucceeded: async () => [],
    inFlight: async (tenantId, limit) =>
      Math.min(
        limit,
        [...states.values()].filter((s) => s.tenantId === tenantId && s.status === "InProgress").length,
      ),
  };
}

/** The outbox, with a hook to make `accept` slow (a database that answers late). */
export function fakeOutbox(): InstallOutbox & {
  entries: Map<string, { event: OperationRequest; published: boolean }>;
  acceptDelay: { ms: number };
  withdrawn: string[];
} {
  const entries = new Map<string, { event: OperationRequest; published: boolean }>();
  const acceptDelay = { ms: 0 };
  const withdrawn: string[] = [];
  return {
    entries,
    acceptDelay,
    withdrawn,
    accept: async (event) => {
      if (acceptDelay.ms > 0) await new Promise((resolve) => setTimeout(resolve, acceptDelay.ms));
      entries.set(event.installId, { event, published: false });
    },
    markPublished: async (ids) => {
      for (const id of ids) {
        const entry = entries.get(id);
        if (entry) entry.published = true;
      }
    },
    pending: async (before, limit) =>
      [...entries.values()]
        .filter((entry) => !entry.published && entry.event.occurredAt < before.toISOString())
        .slice(0, limit)
        .map((entry) => entry.event),
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
    latestOf: async (tenantId, { after, limit }) =>
      [...entries.values()]
        .map((entry) => entry.event)
        .filter((event) => event.tenantId === tenantId)
        .sort((a, b) =>
          a.occurredAt === b.occurredAt
            ? b.installId.localeCompare(a.installId)
            : b.occurredAt.localeCompare(a.occurredAt),
        )
        .filter(
          (event) =>
            !after ||
            event.occurredAt < after.sortValue ||
            (event.occurredAt === after.sortValue && event.installId < after.id),
        )
        .slice(0, limit),
    withdraw: async (id) => {
      const entry = entries.get(id);
      if (!entry || entry.published) return false;
      entries.delete(id);
      withdrawn.push(id);
      return true;
    },
    prune: async () => 0,
  };
}

export function fakeIdempotency(): IdempotencyStore<InstallAccepted> & {
  records: Map<string, IdempotencyRecord<InstallAccepted>>;
} {
  const records = new Map<string, IdempotencyRecord<InstallAccepted>>();
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
export function fakeRelay(): { enqueue(event: Requested): void; enqueued: Requested[] } {
  const enqueued: Requested[] = [];
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
