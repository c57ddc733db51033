import type { InstallEvent } from "@installhub/shared";
import { exampleEvents } from "@installhub/shared/testing";
import { beforeEach, describe, expect, it } from "vitest";
import {
  expectAccepted,
  expectLateWriteWithdrawn,
  inProcessGateway,
  invalidFields,
  itNamesTheInvalidField,
  itRequiresAValidToken,
  missingPermission,
  notItsTenant,
} from "../../../test/in-process-gateway.ts";

const t = await inProcessGateway();
beforeEach(() => t.reset());

const requestedBy = { userId: "user-1", email: "admin@tenant-a.example" };
const artifacts = [{ key: "invoice-approval", resultingKey: "invoice-approval", versionId: "v1" }];
const packagePath = (packageId = "acme-invoice-workflows", tenantId = "tenant-a") =>
  `/api/tenants/${tenantId}/packages/${packageId}`;

/** The events of operation `n` on `packageId` in tenant-a, requested at 10:30:0n. */
function operation(n: number, packageId = "acme-invoice-workflows") {
  const events = exampleEvents({ installId: `mkt-install-${n}`, tenantId: "tenant-a", importId: `imp-${n}` });
  const at = { packageId, occurredAt: `2026-05-25T10:30:0${n}.000Z` };
  return {
    requested: { ...events.InstallRequested, ...at },
    succeeded: { ...events.InstallSucceeded, packageId, artifacts, requestedBy },
    uninstallRequested: { ...events.UninstallRequested, ...at },
    uninstallStarted: { ...events.UninstallStarted, packageId },
    uninstalled: { ...events.UninstallSucceeded, packageId },
    cancel: { ...events.InstallCancelRequested, packageId, occurredAt: `2026-05-25T10:30:0${n}.500Z` },
    cancelled: {
      ...events.InstallFailed,
      packageId,
      occurredAt: `2026-05-25T10:30:0${n}.800Z`,
      stage: "Installing",
      error: "InstallCancelled",
      message: "Cancelled by user-1",
    } satisfies InstallEvent,
  };
}

/** acme-invoice-workflows installed in tenant-a by operation 1. */
async function installed(packageId = "acme-invoice-workflows", n = 1) {
  const { requested, succeeded } = operation(n, packageId);
  await t.project(requested, succeeded);
}

describe("GET /api/tenants/{tenantId}/packages", () => {
  itRequiresAValidToken(t, { method: "GET", path: "/api/tenants/tenant-a/packages" });

  it("lists the packages installed in the tenant by package id, not those uninstalled or elsewhere", async () => {
    await installed("b-package", 1);
    await installed("a-package", 2);
    const gone = operation(3, "c-uninstalled");
    await t.project(gone.requested, gone.succeeded, gone.uninstallRequested, gone.uninstalled);
    const elsewhere = exampleEvents({ installId: "mkt-install-9", tenantId: "tenant-b" });
    await t.project({ ...elsewhere.InstallSucceeded, artifacts });

    const response = await t.call("GET", "/api/tenants/tenant-a/packages");
    expect(response.status).toBe(200);
    expect(response.body.items.map((item: { packageId: string }) => item.packageId)).toEqual([
      "a-package",
      "b-package",
    ]);
    expect(response.body.items[0]).toEqual({
      tenantId: "tenant-a",
      packageId: "a-package",
      version: "3.0.0",
      state: "Installed",
      installedAt: "2026-05-25T10:31:00.000Z",
      installedBy: requestedBy,
      installId: "mkt-install-2",
      importId: "imp-2",
      artifacts,
      pending: null,
    });
    expect(response.body.nextCursor).toBeNull();
  });

  it("pages by package id with nextCursor", async () => {
    await installed("b-package", 1);
    await installed("a-package", 2);
    const first = await t.call("GET", "/api/tenants/tenant-a/packages?limit=1");
    expect(first.body.items.map((item: { packageId: string }) => item.packageId)).toEqual(["a-package"]);
    expect(first.body.nextCursor).toBe("|a-package");
    const second = await t.call(
      "GET",
      `/api/tenants/tenant-a/packages?limit=1&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((item: { packageId: string }) => item.packageId)).toEqual(["b-package"]);
    expect(second.body.nextCursor).toBeNull();
  });

  it("answers 403 for a tenant that is not in the token, and a caller of the tenant whatever its permissions", async () => {
    const foreign = await t.call("GET", "/api/tenants/tenant-b/packages");
    expect(foreign).toMatchObject(notItsTenant("tenant-b"));
    // docs/api.md asks installhub:import of every endpoint; this one asks none today.
    const noPermissions = await t.call("GET", "/api/tenants/tenant-a/packages", { as: { permissions: [] } });
    expect(noPermissions).toMatchObject({ status: 200, body: { items: [] } });
  });

  itNamesTheInvalidField(t, "GET", [
    ["/api/tenants/tenant-a/packages?limit=0", "limit"],
    ["/api/tenants/tenant-a/packages?cursor=a-package", "cursor"],
  ]);
});

describe("GET /api/tenants/{tenantId}/packages/{packageId}", () => {
  itRequiresAValidToken(t, { method: "GET", path: packagePath() });

  it("shows the package as installed, and the upgrade under way", async () => {
    await installed();
    const response = await t.call("GET", packagePath());
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      tenantId: "tenant-a",
      packageId: "acme-invoice-workflows",
      version: "3.0.0",
      state: "Installed",
      installedAt: "2026-05-25T10:31:00.000Z",
      installedBy: requestedBy,
      installId: "mkt-install-1",
      importId: "imp-1",
      artifacts,
      pending: null,
    });
    const upgrade = exampleEvents({ installId: "mkt-install-2", tenantId: "tenant-a", importId: "imp-2" });
    await t.project({
      ...upgrade.ImportStarted,
      version: "3.1.0",
      operation: "Upgrade",
      fromVersion: "3.0.0",
    });
    const upgrading = await t.call("GET", packagePath());
    expect(upgrading.body).toMatchObject({
      state: "Upgrading",
      version: "3.0.0",
      pending: { installId: "mkt-install-2", operation: "Upgrade", version: "3.1.0" },
    });
  });

  it("answers 404 PackageNotInstalled for a package never installed and for one uninstalled", async () => {
    const neverInstalled = await t.call("GET", packagePath("nope"));
    expect(neverInstalled).toMatchObject({
      status: 404,
      body: { error: "PackageNotInstalled", message: "Package 'nope' is not installed in tenant 'tenant-a'" },
    });
    const gone = operation(1);
    await t.project(gone.requested, gone.succeeded, gone.uninstallRequested, gone.uninstalled);
    expect(await t.call("GET", packagePath())).toMatchObject({
      status: 404,
      body: { error: "PackageNotInstalled" },
    });
  });

  it("answers 403 for a tenant that is not in the token, installed there or not", async () => {
    const elsewhere = exampleEvents({ installId: "mkt-install-9", tenantId: "tenant-b" });
    await t.project({ ...elsewhere.InstallSucceeded, artifacts });
    const response = await t.call("GET", packagePath("acme-invoice-workflows", "tenant-b"));
    expect(response).toMatchObject(notItsTenant("tenant-b"));
  });
});

describe("GET /api/tenants/{tenantId}/packages/{packageId}/history", () => {
  const historyPath = (query = "") => `${packagePath()}/history${query}`;
  itRequiresAValidToken(t, { method: "GET", path: historyPath() });

  /** Installed (1), a dry run (2), an upgrade cancelled (3), then uninstalled (4). */
  async function lifetime() {
    await installed();
    const dryRun = operation(2);
    await t.project({ ...dryRun.requested, dryRun: true }, { ...dryRun.succeeded, dryRun: true });
    const cancelled = operation(3);
    await t.project({ ...cancelled.requested, version: "3.1.0" }, cancelled.cancel, cancelled.cancelled);
    const uninstall = operation(4);
    await t.project(uninstall.uninstallRequested, uninstall.uninstallStarted, uninstall.uninstalled);
  }

  it("lists every operation and cancel newest first, dry runs left out", async () => {
    await lifetime();
    const response = await t.call("GET", historyPath());
    expect(response.status).toBe(200);
    expect(
      response.body.items.map((row: { installId: string; operation: string; outcome: string }) => [
        row.installId,
        row.operation,
        row.outcome,
      ]),
    ).toEqual([
      ["mkt-install-4", "Uninstall", "Success"],
      ["mkt-install-3", "Cancel", "Success"],
      ["mkt-install-3", "Install", "Failed"],
      ["mkt-install-1", "Install", "Success"],
    ]);
    expect(response.body.items[1]).toEqual({
      installId: "mkt-install-3",
      operation: "Cancel",
      fromVersion: null,
      toVersion: "3.1.0",
      requestedBy: "user-1",
      requestedAt: "2026-05-25T10:30:03.500Z",
      outcome: "Success",
      error: null,
      importId: "imp-3",
      completedAt: "2026-05-25T10:30:03.800Z",
    });
    expect(response.body.nextCursor).toBeNull();
  });

  it("pages with nextCursor, and answers an empty history for a package never installed", async () => {
    await lifetime();
    const first = await t.call("GET", historyPath("?limit=2"));
    expect(first.body.nextCursor).toBe("2026-05-25T10:30:03.500Z|mkt-install-3:cancel");
    const second = await t.call(
      "GET",
      historyPath(`?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`),
    );
    expect(second.body.items.map((row: { operation: string }) => row.operation)).toEqual([
      "Install",
      "Install",
    ]);
    expect(second.body.nextCursor).toBeNull();
    const never = await t.call("GET", "/api/tenants/tenant-a/packages/nope/history");
    expect(never).toMatchObject({ status: 200, body: { items: [], nextCursor: null } });
  });

  it("answers 403 for a tenant that is not in the token", async () => {
    const response = await t.call("GET", "/api/tenants/tenant-b/packages/acme-invoice-workflows/history");
    expect(response).toMatchObject(notItsTenant("tenant-b"));
  });

  itNamesTheInvalidField(t, "GET", [
    [historyPath("?limit=101"), "limit"],
    [historyPath("?cursor=a|b|c"), "cursor"],
  ]);
});

describe("DELETE /api/tenants/{tenantId}/packages/{packageId}", () => {
  itRequiresAValidToken(t, { method: "DELETE", path: packagePath() });
  const uninstall = (options: Parameters<typeof t.call>[2] = {}, path = packagePath()) =>
    t.call("DELETE", path, options);

  it("accepts: 202 with Location, the UninstallRequested in the outbox and the relay, its status Queued", async () => {
    await installed();
    const response = await uninstall();
    const installId = expectAccepted(response);
    expect(t.deps.outbox.entries.get(installId)?.event).toMatchObject({
      type: "UninstallRequested",
      tenantId: "tenant-a",
      packageId: "acme-invoice-workflows",
      packageName: "ACME Invoice Workflows",
      version: "3.0.0",
      force: false,
      requestedBy,
    });
    expect(t.deps.relay.enqueued.map((event) => event.installId)).toEqual([installId]);
    const status = await t.call("GET", response.body.statusUrl);
    expect(status.body).toEqual({ status: "InProgress", stage: "Queued" });
  });

  it("passes force=true on", async () => {
    await installed();
    const response = await uninstall({}, `${packagePath()}?force=true`);
    expect(t.deps.outbox.entries.get(response.body.installId)?.event).toMatchObject({ force: true });
  });

  it.each([
    [["marketplace:uninstall"], "installhub:import"],
    [["installhub:import", "marketplace:install"], "marketplace:uninstall"],
  ])("answers 403 to a caller with %j, naming %s", async (permissions, missing) => {
    await installed();
    expect(await uninstall({ as: { permissions } })).toMatchObject(missingPermission(missing));
    expect(t.deps.outbox.entries.size).toBe(0);
  });

  it("answers 403 for a tenant that is not in the token", async () => {
    const response = await uninstall({}, packagePath("acme-invoice-workflows", "tenant-b"));
    expect(response).toMatchObject(notItsTenant("tenant-b"));
  });

  it("answers 400 naming force for another value, and the header for a malformed Idempotency-Key", async () => {
    await installed();
    const force = await uninstall({}, `${packagePath()}?force=yes`);
    expect(force).toMatchObject({ status: 400, body: { error: "ValidationFailed" } });
    expect(invalidFields(force)).toEqual(["force"]);
    const key = await uninstall({ headers: { "idempotency-key": "tab\there" } });
    expect(invalidFields(key)).toEqual(["idempotency-key"]);
    expect(t.deps.outbox.entries.size).toBe(0);
  });

  it("answers 404 PackageNotInstalled, and 409 UninstallInProgress while one is under way", async () => {
    expect(await uninstall()).toMatchObject({
      status: 404,
      body: {
        error: "PackageNotInstalled",
        message: "Package 'acme-invoice-workflows' is not installed in tenant 'tenant-a'",
      },
    });
    await installed();
    const earlier = operation(2);
    await t.project(earlier.uninstallRequested, earlier.uninstallStarted);
    const response = await uninstall();
    expect(response.status).toBe(409);
    expect(response.body).toEqual({
      error: "UninstallInProgress",
      message: "Package 'acme-invoice-workflows' is being uninstalled from tenant 'tenant-a' already",
      details: { installId: "mkt-install-2" },
    });
    expect(t.deps.outbox.entries.size).toBe(0);
  });

  it("gives the same 202 for the same Idempotency-Key, and 422 IdempotencyKeyReused with another force", async () => {
    await installed();
    const headers = { "idempotency-key": "key-1" };
    const first = await uninstall({ headers });
    const again = await uninstall({ headers });
    expect(again).toMatchObject({ status: 202, body: first.body });
    const forced = await uninstall({ headers }, `${packagePath()}?force=true`);
    expect(forced).toMatchObject({ status: 422, body: { error: "IdempotencyKeyReused" } });
    expect(t.deps.outbox.entries.size).toBe(1);
  });

  it("answers 422 for a key the caller used to install: one namespace of keys per caller", async () => {
    await installed();
    const headers = { "idempotency-key": "key-2" };
    const accepted = await t.call("POST", "/api/marketplace/packages/acme-invoice-workflows/install", {
      headers,
      body: { targetTenantId: "tenant-a" },
    });
    expect(accepted.status).toBe(202);
    expect(await uninstall({ headers })).toMatchObject({
      status: 422,
      body: { error: "IdempotencyKeyReused" },
    });
    expect(await uninstall({ headers, as: { sub: "user-2" } })).toMatchObject({ status: 202 });
  });

  it("answers 503 when the outbox write misses ACCEPT_TIMEOUT_MS, and withdraws the write that lands late", async () => {
    await installed();
    await expectLateWriteWithdrawn(t, "uninstall", { store: t.deps.outbox, relay: t.deps.relay }, () =>
      uninstall(),
    );
  });

  it("answers 429 RateLimited past the caller's INSTALL_REQUESTS_PER_CALLER_PER_MINUTE", async () => {
    const limited = await inProcessGateway({ env: { INSTALL_REQUESTS_PER_CALLER_PER_MINUTE: "1" } });
    expect((await limited.call("DELETE", packagePath())).status).toBe(404);
    const refused = await limited.call("DELETE", packagePath());
    expect(refused).toMatchObject({ status: 429, body: { error: "RateLimited" } });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

describe("POST /api/marketplace/installs/{installId}/cancel", () => {
  const cancelPath = (installId = "mkt-install-1") => `/api/marketplace/installs/${installId}/cancel`;
  const cancel = (options: Parameters<typeof t.call>[2] = {}, installId?: string) =>
    t.call("POST", cancelPath(installId), options);
  const now = "2026-05-25T10:35:00.000Z";
  beforeEach(() => {
    t.deps.now = () => new Date(now);
  });
  itRequiresAValidToken(t, { method: "POST", path: cancelPath() });

  it("accepts: 202, the cancel recorded and handed to its relay; a second cancel answers the first's time", async () => {
    await t.project(operation(1).requested);
    const response = await cancel();
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      installId: "mkt-install-1",
      cancelRequestedAt: now,
      statusUrl: "/api/marketplace/installs/mkt-install-1/status",
    });
    expect(t.deps.cancellations.entries.get("mkt-install-1")?.event).toEqual({
      type: "InstallCancelRequested",
      installId: "mkt-install-1",
      tenantId: "tenant-a",
      packageId: "acme-invoice-workflows",
      version: "3.0.0",
      occurredAt: now,
      requestedBy,
    });
    expect(t.deps.cancelRelay.enqueued.map((event) => event.installId)).toEqual(["mkt-install-1"]);
    t.deps.now = () => new Date("2026-05-25T10:36:00.000Z");
    const again = await cancel({ as: { sub: "user-2" } });
    expect(again).toMatchObject({ status: 202, body: { cancelRequestedAt: now } });
  });

  it("cancels an install accepted a moment ago, before the projector has it", async () => {
    const accepted = await t.call("POST", "/api/marketplace/packages/acme-invoice-workflows/install", {
      body: { targetTenantId: "tenant-a" },
    });
    const response = await cancel({}, accepted.body.installId);
    expect(response).toMatchObject({ status: 202, body: { installId: accepted.body.installId } });
  });

  it("answers 403 without installhub:import before looking the operation up", async () => {
    const response = await cancel({ as: { permissions: ["marketplace:install"] } }, "mkt-install-unknown");
    expect(response).toMatchObject(missingPermission("installhub:import"));
  });

  it("asks the permissions of the operation cancelled: an install's, or an uninstall's", async () => {
    await t.project(operation(1).requested, operation(2).uninstallRequested);
    const uninstaller = { permissions: ["installhub:import", "marketplace:uninstall"] };
    const installer = { permissions: ["installhub:import", "marketplace:install"] };
    expect(await cancel({ as: uninstaller }, "mkt-install-1")).toMatchObject(
      missingPermission("marketplace:install"),
    );
    expect(await cancel({ as: installer }, "mkt-install-2")).toMatchObject(
      missingPermission("marketplace:uninstall"),
    );
    expect((await cancel({ as: uninstaller }, "mkt-install-2")).status).toBe(202);
    expect([...t.deps.cancellations.entries.keys()]).toEqual(["mkt-install-2"]);
  });

  it("answers 404 InstallNotFound for an unknown operation and for another tenant's, alike", async () => {
    await t.project(operation(1).requested);
    const unknown = await cancel({}, "mkt-install-unknown");
    expect(unknown).toMatchObject({ status: 404, body: { error: "InstallNotFound" } });
    const foreign = await cancel({ as: { tenants: ["tenant-b"] } });
    expect(foreign).toMatchObject({
      status: 404,
      body: { error: "InstallNotFound", message: "Install 'mkt-install-1' was not found" },
    });
    expect(t.deps.cancellations.entries.size).toBe(0);
  });

  itNamesTheInvalidField(t, "POST", [
    ["/api/marketplace/installs/not-an-install/cancel", "installId"],
    ["/api/marketplace/installs/MKT-INSTALL-1/cancel", "installId"],
  ]);

  it("answers 400 naming the header for a malformed Idempotency-Key", async () => {
    await t.project(operation(1).requested);
    const response = await cancel({ headers: { "idempotency-key": "x".repeat(256) } });
    expect(invalidFields(response)).toEqual(["idempotency-key"]);
  });

  it("answers 409 InstallAlreadyFinished once the operation has a terminal status", async () => {
    const { requested, succeeded } = operation(1);
    await t.project(requested, succeeded);
    const response = await cancel({ headers: { "idempotency-key": "key-1" } });
    expect(response).toMatchObject({
      status: 409,
      body: {
        error: "InstallAlreadyFinished",
        message: "Install 'mkt-install-1' has finished (Success); there is nothing to cancel",
      },
    });
    expect(t.deps.cancellations.entries.size).toBe(0);
  });

  it("answers 422 IdempotencyKeyReused for a key used to cancel another operation", async () => {
    await t.project(operation(1).requested, operation(2).requested);
    const headers = { "idempotency-key": "key-1" };
    expect((await cancel({ headers }, "mkt-install-1")).status).toBe(202);
    const other = await cancel({ headers }, "mkt-install-2");
    expect(other).toMatchObject({ status: 422, body: { error: "IdempotencyKeyReused" } });
    expect([...t.deps.cancellations.entries.keys()]).toEqual(["mkt-install-1"]);
  });

  it("answers 503 when the cancel cannot be recorded within ACCEPT_TIMEOUT_MS, and withdraws it once it lands", async () => {
    await t.project(operation(1).requested);
    const writes = { store: t.deps.cancellations, relay: t.deps.cancelRelay };
    await expectLateWriteWithdrawn(t, "cancel", writes, () => cancel());
  });
});
