import type { InstallEvent } from "@installhub/shared";
import { exampleEvents, uniqueId, waitFor } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPath, startTestGateway, type TestGateway } from "./harness.ts";

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway("gateway-install");
});
afterAll(async () => {
  await t?.close();
});

const specBody = (tenant: string) => ({
  version: "3.0.0",
  targetTenantId: tenant,
  defaultConflictStrategy: "Skip",
  dryRun: false,
});

/** A caller alone in a fresh tenant, so counting that tenant's events counts only this test's. */
async function freshCaller(permissions?: string[]) {
  const tenant = uniqueId("tenant");
  return { tenant, token: await t.token({ tenants: [tenant], ...(permissions ? { permissions } : {}) }) };
}

const requestedIn = (tenant: string) =>
  t.bus.events.filter((event) => event.type === "InstallRequested" && event.tenantId === tenant);

/**
 * The tenant's InstallRequested events, once nothing more can come: the gateway answers when an install
 * is recorded in its outbox and its relay publishes right after, so first the relay's backlog is empty,
 * then the bus has read every partition to its end.
 */
async function publishedFor(tenant: string) {
  await waitFor(() => t.gateway.relay.backlog() === 0, {
    what: "the outbox relay to publish what was accepted",
  });
  await t.bus.caughtUp();
  return requestedIn(tenant);
}

describe("POST /api/marketplace/packages/{packageId}/install", () => {
  it("answers the spec's request with exactly the spec's 202 shape and a Location header", async () => {
    const { tenant, token } = await freshCaller();
    const response = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: specBody(tenant),
    });

    expect(response.status).toBe(202);
    expect(Object.keys(response.body).sort()).toEqual([
      "estimatedSeconds",
      "installId",
      "status",
      "statusUrl",
    ]);
    expect(response.body.installId).toMatch(/^mkt-install-[a-z0-9-]+$/);
    expect(response.body.status).toBe("InProgress");
    expect(response.body.statusUrl).toBe(`/api/marketplace/installs/${response.body.installId}/status`);
    // Nothing finished yet in this fresh database: the calibrated default, 5 artifacts × 0.2 s, whole seconds.
    expect(response.body.estimatedSeconds).toBe(
      Math.max(1, Math.ceil(5 * t.config.ESTIMATE_SECONDS_PER_ARTIFACT)),
    );
    expect(response.headers.get("location")).toBe(response.body.statusUrl);
  });

  it("has published InstallRequested before answering, and the status is visible at once", async () => {
    const { tenant, token } = await freshCaller();
    const accepted = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: { ...specBody(tenant), conflictStrategies: { "invoice-approval": "Overwrite" } },
    });
    const status = await t.call("GET", accepted.body.statusUrl, { token });
    expect(status).toMatchObject({ status: 200, body: { status: "InProgress", stage: "Queued" } });

    const [requested] = await t.bus.waitForEvents(accepted.body.installId, (events) => events.length > 0);
    expect(requested).toMatchObject({
      type: "InstallRequested",
      tenantId: tenant,
      packageId: "acme-invoice-workflows",
      version: "3.0.0",
      trustLevel: "Verified",
      conflict: { defaultStrategy: "Skip", overrides: { "invoice-approval": "Overwrite" } },
      dryRun: false,
      artifactCount: 5,
      publisher: { id: "acme" },
    });
    expect((requested as InstallEvent & { importId: string }).importId).toMatch(/^imp-/);
  });

  it("installs the latest non-yanked, non-prerelease version when version is omitted, or the one named", async () => {
    const { tenant, token } = await freshCaller();
    const latest = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: { targetTenantId: tenant },
    });
    const older = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: { targetTenantId: tenant, version: "2.1.0" },
    });
    const [latestEvent] = await t.bus.waitForEvents(latest.body.installId, (events) => events.length > 0);
    const [olderEvent] = await t.bus.waitForEvents(older.body.installId, (events) => events.length > 0);
    expect(latestEvent?.version).toBe("3.0.0");
    expect(olderEvent?.version).toBe("2.1.0");
  });

  it.each([
    ["installhub:import", ["marketplace:install"]],
    ["marketplace:install", ["installhub:import"]],
  ])("answers 403 naming the missing permission %s", async (missing, permissions) => {
    const { tenant, token } = await freshCaller(permissions);
    const response = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: specBody(tenant),
    });
    expect(response.status).toBe(403);
    expect(response.body.error).toBe("Forbidden");
    expect(response.body.message).toContain(missing);
  });

  it("answers 403 naming marketplace:install:community for a Community package without it", async () => {
    const { tenant, token } = await freshCaller(["installhub:import", "marketplace:install"]);
    const response = await t.call("POST", installPath("community-kanban-widgets"), {
      token,
      body: { version: "1.0.0", targetTenantId: tenant, acknowledgeCommunityPackage: true },
    });
    expect(response.status).toBe(403);
    expect(response.body.message).toContain("marketplace:install:community");
  });

  it("answers 403 for a tenant that is not in the token", async () => {
    const { token } = await freshCaller();
    const response = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: specBody("tenant-somebody-else"),
    });
    expect(response.status).toBe(403);
    expect(response.body.message).toContain("tenant-somebody-else");
  });

  it("answers the spec's AcknowledgmentRequired body verbatim, and accepts the acknowledged request", async () => {
    const { tenant, token } = await freshCaller();
    const refused = await t.call("POST", installPath("community-kanban-widgets"), {
      token,
      body: { version: "1.0.0", targetTenantId: tenant },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toStrictEqual({
      error: "AcknowledgmentRequired",
      message: "This is a Community package. Set 'acknowledgeCommunityPackage': true to confirm.",
    });

    const accepted = await t.call("POST", installPath("community-kanban-widgets"), {
      token,
      body: { version: "1.0.0", targetTenantId: tenant, acknowledgeCommunityPackage: true },
    });
    expect(accepted.status).toBe(202);
    const [event] = await t.bus.waitForEvents(accepted.body.installId, (events) => events.length > 0);
    expect(event).toMatchObject({ trustLevel: "Community", archive: { signature: null } });
  });

  it("answers 404 PackageNotFound and VersionNotFound", async () => {
    const { tenant, token } = await freshCaller();
    const noPackage = await t.call("POST", installPath("no-such-package"), { token, body: specBody(tenant) });
    expect(noPackage).toMatchObject({ status: 404, body: { error: "PackageNotFound" } });
    const noVersion = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: { ...specBody(tenant), version: "9.9.9" },
    });
    expect(noVersion).toMatchObject({ status: 404, body: { error: "VersionNotFound" } });
  });

  it.each([
    ["a wrong type", { dryRun: "yes" }, "dryRun"],
    ["an unknown field", { color: "blue" }, "color"],
    ["a version that is not semver", { version: "v3" }, "version"],
    ["an unknown conflict strategy", { defaultConflictStrategy: "Merge" }, "defaultConflictStrategy"],
    ["a missing targetTenantId", { targetTenantId: undefined }, "targetTenantId"],
  ])("answers 400 naming the field for %s", async (_, change, field) => {
    const { tenant, token } = await freshCaller();
    const response = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: { ...specBody(tenant), ...change },
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe("ValidationFailed");
    expect(response.body.message).toContain(field);
    expect(response.body.details.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it("answers 400 for malformed JSON, 415 for a body that is not JSON, 413 for an oversized body", async () => {
    const { tenant, token } = await freshCaller();
    const malformed = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: "{not json",
    });
    expect(malformed).toMatchObject({ status: 400, body: { error: "ValidationFailed" } });
    const notJson = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: "targetTenantId=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(notJson).toMatchObject({ status: 415, body: { error: "UnsupportedMediaType" } });
    const oversized = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: { ...specBody(tenant), conflictStrategies: { ["k".repeat(5000)]: "Skip" } },
    });
    expect(oversized).toMatchObject({ status: 413, body: { error: "PayloadTooLarge" } });
  });

  it("answers 401 without a token, with an expired one, a badly signed one or garbage", async () => {
    const { tenant } = await freshCaller();
    const body = specBody(tenant);
    const expired = await t.token({ tenants: [tenant] }, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const notYet = await t.token({ tenants: [tenant] }, { notBefore: "1h", expiresIn: "2h" });
    const foreign = await t.foreignToken({ tenants: [tenant] });
    for (const token of [null, expired, notYet, foreign, "not-a-jwt"]) {
      const response = await t.call("POST", installPath("acme-invoice-workflows"), { token, body });
      expect(response.status, String(token)).toBe(401);
      expect(response.body.error).toBe("Unauthorized");
    }
    expect(await publishedFor(tenant)).toEqual([]);
  });

  it("checks in a fixed order, so a request with several problems always gets the same answer", async () => {
    const { token } = await freshCaller(["marketplace:install"]);
    const everythingWrong = { targetTenantId: "tenant-somebody-else", version: "v3" };
    // 401 before 403 before 400 before the tenant check before the catalog
    expect((await t.call("POST", installPath("nope"), { body: everythingWrong })).status).toBe(401);
    expect((await t.call("POST", installPath("nope"), { token, body: everythingWrong })).status).toBe(403);
    const oversized = { ...everythingWrong, padding: "x".repeat(5000) };
    expect((await t.call("POST", installPath("nope"), { token, body: oversized })).status).toBe(403);
    const full = await freshCaller();
    expect((await t.call("POST", installPath("nope"), { token: full.token, body: oversized })).status).toBe(
      413,
    );
    const badBody = await t.call("POST", installPath("nope"), { token: full.token, body: everythingWrong });
    expect(badBody.status).toBe(400);
    const foreignTenant = await t.call("POST", installPath("nope"), {
      token: full.token,
      body: { targetTenantId: "tenant-somebody-else" },
    });
    expect(foreignTenant.status).toBe(403);
    const community = await t.call("POST", installPath("community-kanban-widgets"), {
      token: full.token,
      body: { targetTenantId: full.tenant, version: "9.9.9" },
    });
    expect(community.body.error).toBe("VersionNotFound");
  });
});

describe("Idempotency-Key", () => {
  it("gives the same 202 for the same key and body, publishing nothing new; 422 for a different body", async () => {
    const { tenant, token } = await freshCaller();
    const key = uniqueId("key");
    const headers = { "idempotency-key": key };
    const first = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      headers,
      body: specBody(tenant),
    });
    const again = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      headers,
      // same request: key order differs and a default is spelled out
      body: { dryRun: false, targetTenantId: tenant, version: "3.0.0" },
    });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("location")).toBe(first.body.statusUrl);

    const different = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      headers,
      body: { ...specBody(tenant), dryRun: true },
    });
    expect(different).toMatchObject({ status: 422, body: { error: "IdempotencyKeyReused" } });

    const requested = await publishedFor(tenant);
    expect(requested.map((event) => event.installId)).toEqual([first.body.installId]);
  });

  it("answers 422 IdempotencyKeyReused for the same key and body sent to another package, publishing nothing", async () => {
    const { tenant, token } = await freshCaller();
    const headers = { "idempotency-key": uniqueId("key") };
    const body = { targetTenantId: tenant, defaultConflictStrategy: "Skip" };
    const first = await t.call("POST", installPath("acme-invoice-workflows"), { token, headers, body });
    expect(first.status).toBe(202);

    // The body alone is the same request; the package in the path is not.
    const other = await t.call("POST", installPath("acme-reporting-pack"), { token, headers, body });
    expect(other).toMatchObject({ status: 422, body: { error: "IdempotencyKeyReused" } });

    const requested = await publishedFor(tenant);
    expect(requested.map((event) => [event.installId, event.packageId])).toEqual([
      [first.body.installId, "acme-invoice-workflows"],
    ]);
  });

  it("scopes keys per caller and makes every POST without a key a new install", async () => {
    const { tenant, token } = await freshCaller();
    const otherUser = await t.token({ tenants: [tenant] });
    const headers = { "idempotency-key": "shared-key" };
    const mine = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      headers,
      body: specBody(tenant),
    });
    const theirs = await t.call("POST", installPath("acme-invoice-workflows"), {
      token: otherUser,
      headers,
      body: specBody(tenant),
    });
    const noKey1 = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: specBody(tenant),
    });
    const noKey2 = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: specBody(tenant),
    });
    const ids = [mine, theirs, noKey1, noKey2].map((response) => response.body.installId);
    expect(new Set(ids).size).toBe(4);
    expect((await publishedFor(tenant)).length).toBe(4);
  });
});

describe("GET /api/marketplace/installs/{installId}/status", () => {
  async function acceptedInstall() {
    const { tenant, token } = await freshCaller();
    const accepted = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: specBody(tenant),
    });
    const [requested] = await t.bus.waitForEvents(accepted.body.installId, (events) => events.length > 0);
    const examples = exampleEvents({
      installId: accepted.body.installId,
      tenantId: tenant,
      importId: (requested as { importId: string }).importId,
    });
    const statusOf = () => t.call("GET", accepted.body.statusUrl, { token });
    const until = (predicate: (body: Record<string, unknown>) => boolean) =>
      waitFor(
        async () => {
          const response = await statusOf();
          return predicate(response.body) && response;
        },
        { timeoutMs: 60_000, what: "status" },
      );
    return { tenant, token, accepted, examples, statusOf, until };
  }

  it("shows Installing with 'k of n artifacts installed', then the spec's Success shape", async () => {
    const { examples, until } = await acceptedInstall();
    await t.bus.publisher.publish([
      { ...examples.SecurityScanStarted, phase: "Downloading" },
      { ...examples.SecurityScanStarted, phase: "Scanning" },
      { ...examples.SecurityScanCompleted, verdict: "PASS", findings: [] },
      examples.ImportStarted,
      ...[1, 2, 3].map((index) => ({ ...examples.ArtifactInstalled, index })),
    ]);
    const installing = await until((body) => body.progress === "3 of 5 artifacts installed");
    expect(installing.body).toStrictEqual({
      status: "InProgress",
      stage: "Installing",
      progress: "3 of 5 artifacts installed",
    });

    await t.bus.publisher.publish([
      ...[4, 5].map((index) => ({ ...examples.ArtifactInstalled, index })),
      examples.InstallSucceeded,
    ]);
    const done = await until((body) => body.status === "Success");
    expect(done.body).toStrictEqual({
      status: "Success",
      importId: examples.InstallSucceeded.importId,
      artifactsInstalled: 5,
      conflictsResolved: 1,
      completedAt: "2026-05-25T10:31:00.000Z",
    });
  });

  it("shows the spec's Failed shape, and a late duplicate changes nothing", async () => {
    const { examples, until, statusOf } = await acceptedInstall();
    await t.bus.publisher.publish([
      { ...examples.SecurityScanStarted, phase: "Scanning" },
      examples.InstallFailed,
    ]);
    const failed = await until((body) => body.status === "Failed");
    expect(failed.body).toStrictEqual({
      status: "Failed",
      stage: "SecurityScan",
      error: "SecurityScanFailed",
      message: "Package scan returned FAIL — installation blocked",
      rolledBack: true,
    });
    // a late ImportStarted, a duplicate failure, then an artifact: once the artifact is projected, so is the rest
    await t.bus.publisher.publish([
      examples.ImportStarted,
      examples.InstallFailed,
      { ...examples.ArtifactInstalled, index: 4 },
    ]);
    const statuses = t.gateway.platform.mongo.db.collection("install_status");
    await waitFor(
      async () =>
        (await statuses.findOne({ _id: examples.InstallFailed.installId as never }))?.progress?.installed ===
        4,
      { timeoutMs: 60_000, what: "late events projected" },
    );
    expect((await statusOf()).body).toStrictEqual(failed.body);
  });

  it("answers 404 InstallNotFound for another tenant's install and for an unknown one", async () => {
    const { accepted } = await acceptedInstall();
    const stranger = await t.token({ tenants: ["tenant-stranger"] });
    const foreign = await t.call("GET", accepted.body.statusUrl, { token: stranger });
    expect(foreign).toMatchObject({ status: 404, body: { error: "InstallNotFound" } });
    const unknown = await t.call("GET", "/api/marketplace/installs/mkt-install-nope/status", {
      token: stranger,
    });
    expect(unknown).toMatchObject({ status: 404, body: { error: "InstallNotFound" } });
  });
});

describe("GET /api/marketplace/installs", () => {
  it("lists a tenant's installs newest first, page by page, filtered by status", async () => {
    const { tenant, token } = await freshCaller();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const accepted = await t.call("POST", installPath("acme-invoice-workflows"), {
        token,
        body: specBody(tenant),
      });
      ids.push(accepted.body.installId);
    }
    const first = await t.call("GET", `/api/marketplace/installs?tenantId=${tenant}&limit=2`, { token });
    expect(first.status).toBe(200);
    expect(first.body.items.map((item: { installId: string }) => item.installId)).toEqual([ids[2], ids[1]]);
    expect(first.body.items[0]).toMatchObject({
      tenantId: tenant,
      packageId: "acme-invoice-workflows",
      version: "3.0.0",
      status: { status: "InProgress", stage: "Queued" },
    });
    const second = await t.call(
      "GET",
      `/api/marketplace/installs?tenantId=${tenant}&limit=2&cursor=${first.body.nextCursor}`,
      {
        token,
      },
    );
    expect(second.body.items.map((item: { installId: string }) => item.installId)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();

    const examples = exampleEvents({ installId: ids[1]!, tenantId: tenant });
    await t.bus.publisher.publish(examples.InstallFailed);
    const failedOnly = await waitFor(
      async () => {
        const response = await t.call("GET", `/api/marketplace/installs?tenantId=${tenant}&status=Failed`, {
          token,
        });
        return response.body.items.length === 1 && response;
      },
      { timeoutMs: 60_000 },
    );
    expect(failedOnly.body.items[0].installId).toBe(ids[1]);

    const foreign = await t.call("GET", "/api/marketplace/installs?tenantId=tenant-somebody-else", { token });
    expect(foreign.status).toBe(403);
    const badCursor = await t.call("GET", `/api/marketplace/installs?tenantId=${tenant}&cursor=zzz`, {
      token,
    });
    expect(badCursor.status).toBe(400);
  });
});

describe("API description and ops endpoints", () => {
  it("serves OpenAPI 3.1 from the same schemas, AsyncAPI of the topics, a docs page, health, readiness and metrics", async () => {
    const openapi = await t.call("GET", "/openapi.json");
    expect(openapi.body.openapi).toBe("3.1.0");
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining([
        "/api/marketplace/packages/{packageId}/install",
        "/api/marketplace/installs/{installId}/status",
        "/api/marketplace/installs",
        "/api/marketplace/packages",
        "/api/marketplace/packages/{packageId}",
        "/api/installhub/imports/{importId}",
        "/api/installhub/imports/{importId}/audit-log",
        "/api/notifications",
        "/api/notifications/{id}/read",
      ]),
    );
    expect(openapi.body.components.schemas.InstallRequest.additionalProperties).toBe(false);
    const asyncapi = await t.call("GET", "/asyncapi.json");
    expect(asyncapi.body.asyncapi).toBe("3.0.0");
    expect(asyncapi.body.channels.installEvents.address).toBe(t.config.INSTALL_EVENTS_TOPIC);
    expect(asyncapi.body.channels.deadLetters.address).toBe(t.config.DLQ_TOPIC);
    const docs = await t.call("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(docs.body).toContain("/openapi.json");
    expect((await t.call("GET", "/healthz")).body).toEqual({ status: "ok" });
    expect((await t.call("GET", "/readyz")).body.status).toBe("ready");
    const metrics = await t.call("GET", "/metrics");
    expect(metrics.body).toMatch(
      /installhub_http_request_duration_seconds_count\{method="GET",route="\/api\/marketplace\/installs\/:installId\/status",status="(200|404)"\}/,
    );
  });
});
