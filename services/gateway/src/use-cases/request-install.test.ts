import { admissionQueue } from "@installhub/shared";
import { waitFor } from "@installhub/shared/testing";
import { describe, expect, it } from "vitest";
import { examplePackage, fakeCatalog, fakeRequestInstallDeps } from "../../test/fakes.ts";
import type { Caller } from "../auth/tokens.ts";
import { reduceInstallStatus } from "../domain/install-status.ts";
import type { InstalledPackageState } from "../domain/installed-packages.ts";
import { type RequestInstallDeps, requestInstall } from "./request-install.ts";

const caller: Caller = {
  sub: "user-1",
  email: "admin@tenant-a.example",
  tenants: ["tenant-a"],
  permissions: ["installhub:import", "marketplace:install"],
};
const body = {
  targetTenantId: "tenant-a",
  defaultConflictStrategy: "Skip" as const,
  dryRun: false,
  version: "3.0.0",
};

const setup = (settings: Partial<RequestInstallDeps["settings"]> = {}) => ({
  ...fakeRequestInstallDeps(settings),
  lifecycle: { installedPackage: async (): Promise<InstalledPackageState | undefined> => installed },
});

/** What the installed-packages projection says the tenant has (undefined: nothing). */
let installed: InstalledPackageState | undefined;

const request = (idempotencyKey?: string) => ({
  caller,
  packageId: "acme-invoice-workflows",
  body,
  idempotencyKey,
});

describe("requestInstall", () => {
  it("records the install in the outbox, hands its event to the relay and answers with the spec's shape", async () => {
    const deps = setup();
    const accepted = await requestInstall(deps, request());
    expect(accepted).toEqual({
      installId: expect.stringMatching(/^mkt-install-/),
      status: "InProgress",
      statusUrl: `/api/marketplace/installs/${accepted.installId}/status`,
      estimatedSeconds: 1,
    });
    expect(deps.outbox.entries.get(accepted.installId)?.event).toMatchObject({
      type: "InstallRequested",
      tenantId: "tenant-a",
      version: "3.0.0",
      artifactCount: 5,
      requestedBy: { userId: "user-1", email: "admin@tenant-a.example" },
    });
    expect(deps.relay.enqueued.map((event) => event.installId)).toEqual([accepted.installId]);
  });

  it("answers 503 when the outbox write misses the deadline, and withdraws it once it lands", async () => {
    const deps = setup({ acceptTimeoutMs: 50 });
    deps.outbox.acceptDelay.ms = 150;
    await expect(requestInstall(deps, request("key-1"))).rejects.toMatchObject({
      code: "ServiceUnavailable",
    });
    expect(deps.relay.enqueued).toEqual([]);
    await waitFor(() => deps.outbox.withdrawn.length === 1, { what: "the late write withdrawn" });
    expect(deps.outbox.entries.size).toBe(0);
    // The refused request freed its key: a retry may use it.
    expect(deps.idempotency.records.size).toBe(0);
  });

  it("serves a burst ACCEPT_CONCURRENCY at a time: one still in line at its deadline is answered 503 having written nothing", async () => {
    const patient = { ...setup({ acceptTimeoutMs: 2_000 }), admit: admissionQueue(1) };
    const hurried = { ...patient, settings: { ...patient.settings, acceptTimeoutMs: 50 } };
    patient.outbox.acceptDelay.ms = 300;
    const accept = patient.outbox.accept;
    let writes = 0;
    patient.outbox.accept = (event) => {
      writes++;
      return accept(event);
    };
    // The first holds the only slot for its 300 ms write; the second is still in line at its 50 ms.
    const first = requestInstall(patient, request());
    await expect(requestInstall(hurried, request())).rejects.toMatchObject({ code: "ServiceUnavailable" });
    await expect(first).resolves.toMatchObject({ status: "InProgress" });
    expect(writes).toBe(1);
    expect(patient.outbox.entries.size).toBe(1);
  });

  it("gives a retry with the same key the same install, and refuses the key with another body (422)", async () => {
    const deps = setup();
    const first = await requestInstall(deps, request("key-2"));
    // The key's answer is recorded in the background.
    await waitFor(() => deps.idempotency.records.get("user-1\nkey-2")?.state === "completed");
    expect(await requestInstall(deps, request("key-2"))).toEqual(first);
    await expect(
      requestInstall(deps, { ...request("key-2"), body: { ...body, dryRun: true } }),
    ).rejects.toMatchObject({ code: "IdempotencyKeyReused" });
    await expect(
      requestInstall(deps, { ...request("key-2"), packageId: "another-package" }),
    ).rejects.toMatchObject({ code: "IdempotencyKeyReused" });
    expect(deps.outbox.entries.size).toBe(1);
  });

  it("settles a key whose request stopped after accepting: the same installId, from the outbox", async () => {
    const deps = setup();
    const first = await requestInstall(deps, request("key-3"));
    const record = deps.idempotency.records.get("user-1\nkey-3")!;
    // As if the gateway died before recording the answer, a while ago.
    deps.idempotency.records.set(record._id, {
      ...record,
      state: "pending",
      response: null,
      createdAt: new Date(Date.now() - 60_000),
    });
    expect(await requestInstall(deps, request("key-3"))).toMatchObject({ installId: first.installId });
    expect(deps.outbox.entries.size).toBe(1);
  });

  it("answers 409 while the first request may still be running, and takes over a key it abandoned", async () => {
    const deps = setup();
    await deps.idempotency.reserve("user-1", "key-4", "whatever", "mkt-install-never", new Date());
    const reservation = deps.idempotency.records.get("user-1\nkey-4")!;
    const fingerprint = (await import("../domain/request-fingerprint.ts")).requestFingerprint(
      "acme-invoice-workflows",
      body,
    );
    deps.idempotency.records.set(reservation._id, { ...reservation, fingerprint });
    await expect(requestInstall(deps, request("key-4"))).rejects.toMatchObject({
      code: "IdempotencyKeyInFlight",
    });
    deps.idempotency.records.set(reservation._id, {
      ...reservation,
      fingerprint,
      createdAt: new Date(Date.now() - 60_000),
    });
    const taken = await requestInstall(deps, request("key-4"));
    expect(taken.installId).not.toBe("mkt-install-never");
    expect(deps.outbox.entries.has(taken.installId)).toBe(true);
  });

  it("answers 429 with a Retry-After when the tenant has its limit of installs in flight, projected or not", async () => {
    const deps = setup({ maxInFlightPerTenant: 2 });
    await requestInstall(deps, request());
    const projected = reduceInstallStatus(undefined, {
      ...deps.outbox.entries.values().next().value!.event,
      installId: "mkt-install-projected",
    });
    deps.statuses.states.set(projected.installId, projected);
    await expect(requestInstall(deps, request())).rejects.toMatchObject({
      code: "TooManyInstallsInFlight",
      details: { retryAfterSeconds: expect.any(Number) },
    });
    expect(deps.outbox.entries.size).toBe(1);
  });

  it("checks the tenant, then the package, version and trust level before writing anything", async () => {
    const deps = setup();
    deps.catalog = fakeCatalog([examplePackage({ trustLevel: "Community" })]);
    await expect(
      requestInstall(deps, { ...request(), body: { ...body, targetTenantId: "tenant-b" } }),
    ).rejects.toMatchObject({ code: "Forbidden" });
    await expect(requestInstall(deps, { ...request(), packageId: "nope" })).rejects.toMatchObject({
      code: "PackageNotFound",
    });
    await expect(
      requestInstall(deps, { ...request(), body: { ...body, version: "9.9.9" } }),
    ).rejects.toMatchObject({ code: "VersionNotFound" });
    await expect(requestInstall(deps, request())).rejects.toMatchObject({ code: "Forbidden" });
    await expect(
      requestInstall(deps, {
        ...request(),
        caller: { ...caller, permissions: [...caller.permissions, "marketplace:install:community"] },
      }),
    ).rejects.toMatchObject({ code: "AcknowledgmentRequired" });
    expect(deps.outbox.entries.size).toBe(0);
  });

  it("refuses a lower version than the installed one with 409 DowngradeNotAllowed, unless allowDowngrade", async () => {
    const deps = setup();
    installed = {
      tenantId: "tenant-a",
      packageId: "acme-invoice-workflows",
      state: "Installed",
      version: "3.1.0",
      installedAt: null,
      installedBy: null,
      installId: "mkt-install-earlier",
      importId: "imp-earlier",
      artifacts: [],
      pending: null,
    };
    try {
      await expect(requestInstall(deps, request())).rejects.toMatchObject({
        code: "DowngradeNotAllowed",
        details: { installedVersion: "3.1.0", requestedVersion: "3.0.0" },
      });
      expect(deps.outbox.entries.size).toBe(0);
      await requestInstall(deps, {
        ...request(),
        body: { ...body, allowDowngrade: true, upgradeType: "Delete" },
      });
      expect([...deps.outbox.entries.values()][0]?.event).toMatchObject({
        allowDowngrade: true,
        upgradeType: "Delete",
      });
    } finally {
      installed = undefined;
    }
  });
});
