import { exampleEvents, waitFor } from "@installhub/shared/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { examplePackage, fakeCatalog } from "../../../test/fakes.ts";
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

const installPath = "/api/marketplace/packages/acme-invoice-workflows/install";
const body = { targetTenantId: "tenant-a", version: "3.0.0" };
const install = (options: Parameters<typeof t.call>[2] = {}) =>
  t.call("POST", installPath, { body, ...options });

describe("POST /api/marketplace/packages/{packageId}/install", () => {
  itRequiresAValidToken(t, { method: "POST", path: installPath, body });

  it("accepts: 202 with exactly the spec's body and Location, recorded in the outbox and handed to the relay", async () => {
    const installId = expectAccepted(await install(), { estimatedSeconds: 1 });
    expect(t.deps.outbox.entries.get(installId)?.event).toMatchObject({
      type: "InstallRequested",
      tenantId: "tenant-a",
      packageId: "acme-invoice-workflows",
      version: "3.0.0",
      dryRun: false,
      conflict: { defaultStrategy: "Skip", overrides: {} },
      requestedBy: { userId: "user-1", email: "admin@tenant-a.example" },
    });
    expect(t.deps.relay.enqueued.map((event) => event.installId)).toEqual([installId]);
  });

  it("answers 401 naming the claim for a token whose email is not one plain address, and records nothing", async () => {
    const response = await install({ as: { email: "a@example.test, b@example.test" } });
    expect(response).toMatchObject({
      status: 401,
      body: { error: "Unauthorized", details: { claim: "email" } },
    });
    expect(t.deps.outbox.entries.size).toBe(0);
  });

  it.each([
    [["marketplace:install"], "installhub:import"],
    [["installhub:import"], "marketplace:install"],
    [[], "installhub:import"],
  ])("answers 403 to a caller with %j, naming %s", async (permissions, missing) => {
    expect(await install({ as: { permissions } })).toMatchObject(missingPermission(missing));
    expect(t.deps.outbox.entries.size).toBe(0);
  });

  it("answers 403 for a target tenant that is not in the token", async () => {
    const response = await install({ body: { ...body, targetTenantId: "tenant-b" } });
    expect(response).toMatchObject(notItsTenant("tenant-b"));
    expect(t.deps.outbox.entries.size).toBe(0);
  });

  it("asks a Community package for its permission (403), then its acknowledgement (400), then accepts", async () => {
    t.deps.catalog = fakeCatalog([examplePackage({ trustLevel: "Community" })]);
    const withoutPermission = await install({
      as: { permissions: ["installhub:import", "marketplace:install"] },
    });
    expect(withoutPermission).toMatchObject(missingPermission("marketplace:install:community"));
    const unacknowledged = await install();
    expect(unacknowledged.status).toBe(400);
    expect(unacknowledged.body).toEqual({
      error: "AcknowledgmentRequired",
      message: "This is a Community package. Set 'acknowledgeCommunityPackage': true to confirm.",
    });
    expect(t.deps.outbox.entries.size).toBe(0);
    const acknowledged = await install({ body: { ...body, acknowledgeCommunityPackage: true } });
    expect(acknowledged.status).toBe(202);
  });

  it.each<[string, unknown, string]>([
    ["no targetTenantId", { version: "3.0.0" }, "targetTenantId"],
    ["an empty targetTenantId", { targetTenantId: "" }, "targetTenantId"],
    ["an unknown field", { ...body, force: true }, "force"],
    ["a version that is not semver", { ...body, version: "3" }, "version"],
    [
      "an unknown conflict strategy",
      { ...body, defaultConflictStrategy: "Maybe" },
      "defaultConflictStrategy",
    ],
    [
      "an artifact key outside the grammar",
      { ...body, conflictStrategies: { $where: "Skip" } },
      "conflictStrategies.$where",
    ],
    ["a string for a boolean", { ...body, dryRun: "yes" }, "dryRun"],
    ["an unknown upgrade type", { ...body, upgradeType: "Sideways" }, "upgradeType"],
    ["a duplicate member", `{"targetTenantId":"tenant-a","dryRun":true,"dryRun":false}`, "dryRun"],
    ["a JSON array", [body], "(body)"],
  ])("answers 400 naming the field for %s, and records nothing", async (_, sent, field) => {
    const response = await install({ body: sent });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe("ValidationFailed");
    expect(invalidFields(response)).toEqual([field]);
    expect(t.deps.outbox.entries.size).toBe(0);
  });

  it("says a missing field is required, and names a field once with all its problems", async () => {
    const { targetTenantId: _, ...withoutTenant } = body;
    const missing = await install({ body: withoutTenant });
    expect(missing.body).toMatchObject({
      message: "Invalid body: targetTenantId: required",
      details: { fields: [{ field: "targetTenantId", message: "required" }] },
    });
    const empty = await install({ headers: { "idempotency-key": "" } });
    expect(invalidFields(empty)).toEqual(["idempotency-key"]);
  });

  it.each([
    ["non-ASCII", "clé"],
    ["a control character", "key\twith-tab"],
    ["256 characters", "k".repeat(256)],
  ])("answers 400 naming the Idempotency-Key header for %s", async (_, key) => {
    const response = await install({ headers: { "idempotency-key": key } });
    expect(response).toMatchObject({ status: 400, body: { error: "ValidationFailed" } });
    expect(invalidFields(response)).toEqual(["idempotency-key"]);
  });

  it("answers 400 to JSON it cannot parse, 415 to a body that is not JSON, 413 to one over MAX_BODY_BYTES", async () => {
    const malformed = await install({ body: '{"targetTenantId":' });
    expect(malformed).toMatchObject({ status: 400, body: { error: "ValidationFailed" } });
    // Like every validation failure, it names what is wrong: the body as a whole.
    expect(invalidFields(malformed)).toEqual(["(body)"]);
    const notJson = await install({
      body: "targetTenantId=tenant-a",
      headers: { "content-type": "text/plain" },
    });
    expect(notJson).toMatchObject({ status: 415, body: { error: "UnsupportedMediaType" } });
    const oversized = await install({ body: { ...body, padding: "x".repeat(t.config.MAX_BODY_BYTES) } });
    expect(oversized).toMatchObject({
      status: 413,
      body: { error: "PayloadTooLarge", message: `The body exceeds ${t.config.MAX_BODY_BYTES} bytes` },
    });
    expect(t.deps.outbox.entries.size).toBe(0);
  });

  it("checks in the documented order: permissions before the body's size, the body before its tenant", async () => {
    const oversized = { targetTenantId: "tenant-b", padding: "x".repeat(t.config.MAX_BODY_BYTES) };
    const noPermission = await install({ as: { permissions: [] }, body: oversized });
    expect(noPermission.status).toBe(403);
    expect((await install({ body: oversized })).status).toBe(413);
    expect((await install({ body: { targetTenantId: "tenant-b", version: "x" } })).status).toBe(400);
    expect(
      (
        await t.call("POST", "/api/marketplace/packages/nope/install", {
          body: { targetTenantId: "tenant-b" },
        })
      ).status,
    ).toBe(403);
  });

  it.each([
    [
      "an unknown package",
      "/api/marketplace/packages/nope/install",
      body,
      "PackageNotFound",
      "Package 'nope' was not found",
    ],
    [
      "an unknown version",
      installPath,
      { ...body, version: "9.9.9" },
      "VersionNotFound",
      "Package 'acme-invoice-workflows' has no version '9.9.9'",
    ],
  ])("answers 404 for %s", async (_, path, sent, error, message) => {
    const response = await t.call("POST", path, { body: sent });
    expect(response).toMatchObject({ status: 404, body: { error, message } });
    expect(t.deps.outbox.entries.size).toBe(0);
  });

  it("answers 404 VersionNotFound for a yanked version, and for a package with nothing installable", async () => {
    const yanked = { ...examplePackage().versions[0]!, yanked: true };
    t.deps.catalog = fakeCatalog([examplePackage({ versions: [yanked] })]);
    expect((await install()).body.error).toBe("VersionNotFound");
    const latest = await install({ body: { targetTenantId: "tenant-a" } });
    expect(latest).toMatchObject({
      status: 404,
      body: {
        error: "VersionNotFound",
        message: "Package 'acme-invoice-workflows' has no installable version",
      },
    });
  });

  it("answers 409 DowngradeNotAllowed below the installed version, and accepts it with allowDowngrade", async () => {
    const installed = exampleEvents({ installId: "mkt-install-earlier", tenantId: "tenant-a" });
    await t.project({
      ...installed.InstallSucceeded,
      version: "3.1.0",
      artifacts: [],
      requestedBy: { userId: "user-1", email: "admin@tenant-a.example" },
    });
    const refused = await install();
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      error: "DowngradeNotAllowed",
      message: "Version 3.0.0 is lower than the installed 3.1.0; set 'allowDowngrade': true to install it",
      details: { installedVersion: "3.1.0", requestedVersion: "3.0.0" },
    });
    const allowed = await install({ body: { ...body, allowDowngrade: true, upgradeType: "Delete" } });
    expect(allowed.status).toBe(202);
    expect(t.deps.outbox.entries.get(allowed.body.installId)?.event).toMatchObject({
      allowDowngrade: true,
      upgradeType: "Delete",
    });
  });

  it("gives the same 202 for the same Idempotency-Key and body, and 422 IdempotencyKeyReused for another body", async () => {
    const headers = { "idempotency-key": "key-1" };
    const first = await install({ headers });
    // The key's answer is recorded in the background.
    await waitFor(() => t.deps.idempotency.records.get("user-1\nkey-1")?.state === "completed");
    const again = await install({ headers, body: { ...body, dryRun: false } });
    expect(again).toMatchObject({ status: 202, body: first.body });
    const different = await install({ headers, body: { ...body, dryRun: true } });
    expect(different).toMatchObject({ status: 422, body: { error: "IdempotencyKeyReused" } });
    // Keys are the caller's own: another user's same key is another install.
    const someoneElse = await install({ headers, as: { sub: "user-2" } });
    expect(someoneElse.body.installId).not.toBe(first.body.installId);
    expect(t.deps.outbox.entries.size).toBe(2);
  });

  it("answers 409 IdempotencyKeyInFlight while the first request with the key is still being recorded", async () => {
    // The first request's outbox write waits until the second has been answered.
    let release = () => {};
    const written = new Promise<void>((resolve) => {
      release = resolve;
    });
    const accept = t.deps.outbox.accept;
    t.deps.outbox.accept = async (event) => written.then(() => accept(event));
    const headers = { "idempotency-key": "key-2" };
    const first = install({ headers });
    await waitFor(() => t.deps.idempotency.records.has("user-1\nkey-2"), { intervalMs: 2 });
    const second = await install({ headers });
    expect(second).toMatchObject({ status: 409, body: { error: "IdempotencyKeyInFlight" } });
    release();
    expect((await first).status).toBe(202);
    expect(t.deps.outbox.entries.size).toBe(1);
  });

  it("answers 429 TooManyInstallsInFlight with Retry-After when the tenant has its limit in progress", async () => {
    t.deps.settings.maxInFlightPerTenant = 1;
    expect((await install()).status).toBe(202);
    const refused = await install();
    expect(refused).toMatchObject({
      status: 429,
      body: { error: "TooManyInstallsInFlight", details: { retryAfterSeconds: 1 } },
    });
    expect(refused.headers.get("retry-after")).toBe("1");
    // Another tenant's installs do not count.
    const elsewhere = await install({
      as: { tenants: ["tenant-b"] },
      body: { ...body, targetTenantId: "tenant-b" },
    });
    expect(elsewhere.status).toBe(202);
  });

  it("answers 503 when the outbox write misses ACCEPT_TIMEOUT_MS, withdraws the late write and frees the key", async () => {
    await expectLateWriteWithdrawn(t, "install", { store: t.deps.outbox, relay: t.deps.relay }, () =>
      install({ headers: { "idempotency-key": "key-3" } }),
    );
    expect(t.deps.idempotency.records.size).toBe(0);
  });
});

describe("POST /api/marketplace/packages/{packageId}/install: the caller's rate", () => {
  it("answers 429 RateLimited with Retry-After past INSTALL_REQUESTS_PER_CALLER_PER_MINUTE, per caller", async () => {
    const limited = await inProcessGateway({ env: { INSTALL_REQUESTS_PER_CALLER_PER_MINUTE: "2" } });
    const send = (sub: string) => limited.call("POST", installPath, { as: { sub }, body });
    expect((await send("user-1")).status).toBe(202);
    expect((await send("user-1")).status).toBe(202);
    const refused = await send("user-1");
    expect(refused).toMatchObject({
      status: 429,
      body: { error: "RateLimited", message: "More than 2 install requests in a minute; slow down" },
    });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(refused.headers.get("ratelimit-limit")).toBe("2");
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect((await send("user-2")).status).toBe(202);
    expect(limited.deps.outbox.entries.size).toBe(3);
  });
});

describe("GET /api/marketplace/installs/{installId}/status", () => {
  const statusPath = (installId: string) => `/api/marketplace/installs/${installId}/status`;
  const events = exampleEvents({ installId: "mkt-install-1", tenantId: "tenant-a" });
  itRequiresAValidToken(t, { method: "GET", path: statusPath("mkt-install-1") });

  it("answers Queued from the outbox right after the 202, before the projector has the install", async () => {
    const accepted = await install();
    const response = await t.call("GET", accepted.body.statusUrl);
    expect(response).toMatchObject({ status: 200, body: { status: "InProgress", stage: "Queued" } });
    expect(response.body).toEqual({ status: "InProgress", stage: "Queued" });
  });

  it.each([
    [
      "an install copying artifacts",
      [events.InstallRequested, events.ImportStarted, events.ArtifactInstalled],
      { status: "InProgress", stage: "Installing", progress: "3 of 5 artifacts installed" },
    ],
    [
      "a finished install",
      [events.InstallRequested, events.InstallSucceeded],
      {
        status: "Success",
        importId: events.InstallSucceeded.importId,
        artifactsInstalled: 5,
        conflictsResolved: 1,
        completedAt: "2026-05-25T10:31:00.000Z",
      },
    ],
    [
      "a finished dry run",
      [
        { ...events.InstallRequested, dryRun: true },
        {
          ...events.InstallSucceeded,
          dryRun: true,
          plan: [{ key: "invoice-approval", action: "Created" as const, resultingKey: "invoice-approval" }],
        },
      ],
      {
        status: "Success",
        importId: events.InstallSucceeded.importId,
        artifactsInstalled: 5,
        conflictsResolved: 1,
        completedAt: "2026-05-25T10:31:00.000Z",
        dryRun: true,
        plan: [{ key: "invoice-approval", action: "Created", resultingKey: "invoice-approval" }],
      },
    ],
    [
      "a failed install",
      [events.InstallRequested, events.InstallFailed],
      {
        status: "Failed",
        stage: "SecurityScan",
        error: "SecurityScanFailed",
        message: "Package scan returned FAIL — installation blocked",
        rolledBack: true,
      },
    ],
    [
      "a finished uninstall",
      [events.UninstallRequested, events.UninstallSucceeded],
      {
        status: "Success",
        importId: events.UninstallSucceeded.importId,
        artifactsRemoved: 4,
        kept: ["overdue-report"],
        completedAt: "2026-05-25T10:31:00.000Z",
      },
    ],
  ])("shows %s in the spec's shape", async (_, projected, expected) => {
    await t.project(...projected);
    const response = await t.call("GET", statusPath("mkt-install-1"));
    expect(response.status).toBe(200);
    expect(response.body).toEqual(expected);
  });

  it("answers a caller of the install's tenant whatever its permissions (docs/api.md asks installhub:import of every endpoint)", async () => {
    await t.project(events.InstallRequested);
    const response = await t.call("GET", statusPath("mkt-install-1"), { as: { permissions: [] } });
    expect(response).toMatchObject({ status: 200, body: { status: "InProgress" } });
  });

  it("answers 404 InstallNotFound for an unknown install and for another tenant's, alike", async () => {
    await t.project(events.InstallRequested);
    const unknown = await t.call("GET", statusPath("mkt-install-unknown"));
    const foreign = await t.call("GET", statusPath("mkt-install-1"), { as: { tenants: ["tenant-b"] } });
    expect(unknown.body).toEqual({
      error: "InstallNotFound",
      message: "Install 'mkt-install-unknown' was not found",
    });
    expect(foreign).toMatchObject({
      status: 404,
      body: { error: "InstallNotFound", message: "Install 'mkt-install-1' was not found" },
    });
  });
});

describe("GET /api/marketplace/installs", () => {
  itRequiresAValidToken(t, { method: "GET", path: "/api/marketplace/installs?tenantId=tenant-a" });

  /** Three installs a second apart: the first two projected (the first finished), the third only accepted. */
  async function threeInstalls(): Promise<string[]> {
    const events = [1, 2].map((n) =>
      exampleEvents({ installId: `mkt-install-${n}`, tenantId: "tenant-a", importId: `imp-${n}` }),
    );
    await t.project(
      { ...events[0]!.InstallRequested, occurredAt: "2026-05-25T10:30:01.000Z" },
      events[0]!.InstallSucceeded,
      { ...events[1]!.InstallRequested, occurredAt: "2026-05-25T10:30:02.000Z" },
    );
    t.deps.now = () => new Date("2026-05-25T10:30:03.000Z");
    const accepted = await install();
    return ["mkt-install-1", "mkt-install-2", accepted.body.installId];
  }

  it("lists the tenant's installs newest first, accepted ones included, with each one's status", async () => {
    const [first, second, third] = await threeInstalls();
    const response = await t.call("GET", "/api/marketplace/installs?tenantId=tenant-a");
    expect(response.status).toBe(200);
    expect(response.body.items.map((item: { installId: string }) => item.installId)).toEqual([
      third,
      second,
      first,
    ]);
    expect(response.body.items[0]).toEqual({
      installId: third,
      tenantId: "tenant-a",
      packageId: "acme-invoice-workflows",
      version: "3.0.0",
      requestedAt: "2026-05-25T10:30:03.000Z",
      requestedBy: "user-1",
      status: { status: "InProgress", stage: "Queued" },
    });
    expect(response.body.items[2].status.status).toBe("Success");
    expect(response.body.nextCursor).toBeNull();
  });

  it("pages with nextCursor and filters by status", async () => {
    const [first, second, third] = await threeInstalls();
    const page = await t.call("GET", "/api/marketplace/installs?tenantId=tenant-a&limit=2");
    expect(page.body.items.map((item: { installId: string }) => item.installId)).toEqual([third, second]);
    expect(page.body.nextCursor).toBe(`2026-05-25T10:30:02.000Z|${second}`);
    const next = await t.call(
      "GET",
      `/api/marketplace/installs?tenantId=tenant-a&limit=2&cursor=${encodeURIComponent(page.body.nextCursor)}`,
    );
    expect(next.body).toEqual({ items: [expect.objectContaining({ installId: first })], nextCursor: null });
    const inProgress = await t.call("GET", "/api/marketplace/installs?tenantId=tenant-a&status=InProgress");
    expect(inProgress.body.items.map((item: { installId: string }) => item.installId)).toEqual([
      third,
      second,
    ]);
  });

  it("answers 403 for a tenant that is not in the token", async () => {
    const response = await t.call("GET", "/api/marketplace/installs?tenantId=tenant-b");
    expect(response).toMatchObject(notItsTenant("tenant-b"));
  });

  itNamesTheInvalidField(t, "GET", [
    ["/api/marketplace/installs", "tenantId"],
    ["/api/marketplace/installs?tenantId=", "tenantId"],
    ["/api/marketplace/installs?tenantId=tenant-a&status=Done", "status"],
    ["/api/marketplace/installs?tenantId=tenant-a&limit=0", "limit"],
    ["/api/marketplace/installs?tenantId=tenant-a&cursor=2026", "cursor"],
  ]);
});
