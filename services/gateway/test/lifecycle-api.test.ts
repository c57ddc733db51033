import { ensureIndexes, type InstallEvent, type InstallEventOf } from "@installhub/shared";
import { exampleEvents, uniqueId, waitFor } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lifecycleIndexes, lifecycleProjectionStore } from "../src/data-access/lifecycle-projection.ts";
import { startLifecycleProjector } from "../src/entry-points/lifecycle-projector.ts";
import { installPath, startTestGateway, type TestGateway } from "./harness.ts";

// The lifecycle API against a gateway alone: the installer's events are published by the test.
let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway("gateway-lifecycle");
});
afterAll(async () => {
  await t?.close();
});

const packagePath = (tenant: string, packageId = "acme-expense-approvals") =>
  `/api/tenants/${tenant}/packages/${packageId}`;
const user = { userId: "admin-1", email: "admin@tenant-abc123.example" };
const at = (seconds: number) => new Date(Date.UTC(2026, 4, 25, 10, 30, seconds)).toISOString();

/** What the installer publishes for a successful install (an upgrade when `fromVersion` is given). */
function installed(tenant: string, version: string, fromVersion?: string): InstallEvent[] {
  const installId = uniqueId("mkt-install");
  const importId = `imp-${uniqueId("x")}`;
  const e = exampleEvents({ installId, tenantId: tenant, importId });
  const base = { packageId: "acme-expense-approvals", version };
  const lifecycle = fromVersion
    ? { operation: "Upgrade" as const, fromVersion }
    : { operation: "Install" as const };
  return [
    { ...e.InstallRequested, ...base, requestedBy: user },
    { ...e.ImportStarted, ...base, ...lifecycle },
    {
      ...e.InstallSucceeded,
      ...base,
      ...lifecycle,
      artifacts: [{ key: "expense-approval", resultingKey: "expense-approval", versionId: `${importId}/1` }],
      requestedBy: user,
    },
  ];
}

const installedPackage = async (tenant: string, token: string, version: string) =>
  waitFor(
    async () => {
      const response = await t.call("GET", packagePath(tenant), { token });
      return response.status === 200 && response.body.version === version && response.body;
    },
    { what: `${tenant} to have ${version}` },
  );

describe("installed packages and their history", () => {
  it("lists what a tenant has installed, with its artifacts, from the events", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant] });
    const events = installed(tenant, "2.1.0");
    await t.bus.publisher.publish(events);
    const found = await installedPackage(tenant, token, "2.1.0");
    const success = events[2] as InstallEventOf<"InstallSucceeded">;
    expect(found).toEqual({
      tenantId: tenant,
      packageId: "acme-expense-approvals",
      version: "2.1.0",
      state: "Installed",
      installedAt: success.completedAt,
      installedBy: user,
      installId: success.installId,
      importId: success.importId,
      artifacts: success.artifacts,
      pending: null,
    });
    const list = await t.call("GET", `/api/tenants/${tenant}/packages`, { token });
    expect(list).toMatchObject({ status: 200, body: { items: [found], nextCursor: null } });
    expect(await t.call("GET", packagePath(tenant, "acme-invoice-workflows"), { token })).toMatchObject({
      status: 404,
      body: { error: "PackageNotInstalled" },
    });
  });

  it("keeps every operation in the history, newest first, page by page", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant] });
    const first = installed(tenant, "2.1.0");
    const upgrade = installed(tenant, "3.0.0", "2.1.0").map((event) => ({ ...event, occurredAt: at(30) }));
    await t.bus.publisher.publish([...first, ...upgrade]);
    await installedPackage(tenant, token, "3.0.0");
    const page1 = await t.call("GET", `${packagePath(tenant)}/history?limit=1`, { token });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toEqual([
      {
        installId: upgrade[0]!.installId,
        operation: "Upgrade",
        fromVersion: "2.1.0",
        toVersion: "3.0.0",
        requestedBy: "admin-1",
        requestedAt: at(30),
        outcome: "Success",
        error: null,
        importId: (upgrade[0] as InstallEventOf<"InstallRequested">).importId,
        completedAt: "2026-05-25T10:31:00.000Z",
      },
    ]);
    const page2 = await t.call(
      "GET",
      `${packagePath(tenant)}/history?limit=1&cursor=${page1.body.nextCursor}`,
      {
        token,
      },
    );
    expect(page2.body).toMatchObject({
      items: [
        { installId: first[0]!.installId, operation: "Install", fromVersion: null, toVersion: "2.1.0" },
      ],
      nextCursor: null,
    });
  });

  it("rebuilds identical documents from the earliest offset, and a reset of its group changes nothing", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant] });
    await t.bus.publisher.publish([...installed(tenant, "2.1.0"), ...installed(tenant, "3.0.0", "2.1.0")]);
    await installedPackage(tenant, token, "3.0.0");
    const db = t.gateway.platform.mongo.db;
    const snapshot = async (names: { installed: string; history: string }) => ({
      installed: await db.collection(names.installed).find().sort({ _id: 1 }).toArray(),
      history: await db
        .collection(names.history)
        .find()
        .sort({ _id: 1 })
        .toArray()
        .then((documents) => documents.map(({ revision: _revision, ...document }) => document)),
    });
    const live = { installed: "tenant_packages", history: "package_history" };
    const suffix = uniqueId("r").replace("-", "_");
    const rebuilt = { installed: `tenant_packages_${suffix}`, history: `package_history_${suffix}` };
    await ensureIndexes(db, lifecycleIndexes(rebuilt));
    const before = await snapshot(live);
    // A fresh group reads the topic from the earliest offset: once into new collections, once into the live ones.
    const projectors = await Promise.all([
      startLifecycleProjector({
        platform: t.gateway.platform,
        config: t.config,
        store: lifecycleProjectionStore(db, rebuilt),
        groupId: uniqueId("lifecycle-rebuild"),
      }),
      startLifecycleProjector({
        platform: t.gateway.platform,
        config: t.config,
        store: lifecycleProjectionStore(db),
        groupId: uniqueId("lifecycle-reset"),
      }),
    ]);
    try {
      await waitFor(async () => JSON.stringify(await snapshot(rebuilt)) === JSON.stringify(before), {
        timeoutMs: 60_000,
        what: "the rebuild to catch up",
      }).catch(async () => expect(await snapshot(rebuilt)).toEqual(before));
      expect(before.installed.length).toBeGreaterThan(0);
      expect(await snapshot(live)).toEqual(before);
    } finally {
      await Promise.all(projectors.map((projector) => projector.stop()));
    }
  });
});

describe("DELETE /api/tenants/{tenantId}/packages/{packageId}", () => {
  it("accepts an uninstall of an installed package: 202, its status Queued at once, its event on the topic", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant], sub: uniqueId("user") });
    await t.bus.publisher.publish(installed(tenant, "2.1.0"));
    await installedPackage(tenant, token, "2.1.0");

    const accepted = await t.call("DELETE", `${packagePath(tenant)}?force=true`, {
      token,
      headers: { "idempotency-key": "uninstall-1" },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({
      installId: expect.stringMatching(/^mkt-install-/),
      status: "InProgress",
      statusUrl: `/api/marketplace/installs/${accepted.body.installId}/status`,
    });
    expect(accepted.headers.get("location")).toBe(accepted.body.statusUrl);
    const status = await t.call("GET", accepted.body.statusUrl, { token });
    expect(status.body).toEqual({ status: "InProgress", stage: "Queued" });
    const [requested] = await t.bus.waitForEvents(accepted.body.installId, (events) => events.length > 0);
    expect(requested).toMatchObject({
      type: "UninstallRequested",
      tenantId: tenant,
      packageId: "acme-expense-approvals",
      version: "2.1.0",
      force: true,
      packageName: "ACME Expense Approvals",
    });

    const again = await t.call("DELETE", `${packagePath(tenant)}?force=true`, {
      token,
      headers: { "idempotency-key": "uninstall-1" },
    });
    expect(again).toMatchObject({ status: 202, body: accepted.body });
    const other = await t.call("DELETE", packagePath(tenant), {
      token,
      headers: { "idempotency-key": "uninstall-1" },
    });
    expect(other).toMatchObject({ status: 422, body: { error: "IdempotencyKeyReused" } });
  });

  it("serves the uninstall's status from the install status endpoint: Uninstalling, 'k of n artifacts removed', then its outcome", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant] });
    await t.bus.publisher.publish(installed(tenant, "2.1.0"));
    await installedPackage(tenant, token, "2.1.0");
    const accepted = await t.call("DELETE", packagePath(tenant), { token });
    expect(accepted.status).toBe(202);
    const [requested] = (await t.bus.waitForEvents(accepted.body.installId, (events) =>
      events.some((event) => event.type === "UninstallRequested"),
    )) as InstallEventOf<"UninstallRequested">[];
    const e = exampleEvents({
      installId: requested!.installId,
      tenantId: tenant,
      importId: requested!.importId,
    });
    const base = { packageId: "acme-expense-approvals", version: "2.1.0" };
    const statusOf = (expected: object) =>
      waitFor(
        async () => {
          const response = await t.call("GET", accepted.body.statusUrl, { token });
          return JSON.stringify(response.body) === JSON.stringify(expected) && response.body;
        },
        { what: `status ${JSON.stringify(expected)}` },
      );

    await t.bus.publisher.publish([
      { ...e.UninstallStarted, ...base, total: 2, kept: [] },
      { ...e.ArtifactRemoved, ...base, index: 1, total: 2 },
    ]);
    await statusOf({ status: "InProgress", stage: "Uninstalling", progress: "1 of 2 artifacts removed" });
    // The installed packages are another projector's (its own consumer group): polled on their own.
    const uninstalling = await waitFor(
      async () => {
        const response = await t.call("GET", packagePath(tenant), { token });
        return response.body.state === "Uninstalling" && response.body;
      },
      { what: "the package to be Uninstalling" },
    );
    expect(uninstalling).toMatchObject({
      version: "2.1.0",
      pending: { installId: requested!.installId, operation: "Uninstall" },
    });

    await t.bus.publisher.publish([
      {
        ...e.ArtifactRemoved,
        ...base,
        key: "expense-policy",
        resultingKey: "expense-policy",
        index: 2,
        total: 2,
      },
      { ...e.UninstallSucceeded, ...base, artifactsRemoved: 2, kept: [] },
    ]);
    const done = await statusOf({
      status: "Success",
      importId: requested!.importId,
      artifactsRemoved: 2,
      kept: [],
      completedAt: e.UninstallSucceeded.completedAt,
    });
    expect(done).toMatchObject({ status: "Success" });
    await waitFor(async () => (await t.call("GET", packagePath(tenant), { token })).status === 404, {
      what: "the package to be uninstalled",
    });
    const cancel = await t.call("POST", `/api/marketplace/installs/${requested!.installId}/cancel`, {
      token,
    });
    expect(cancel).toMatchObject({ status: 409, body: { error: "InstallAlreadyFinished" } });
  });

  it("answers 404 for a package the tenant does not have, and 409 while it is being uninstalled", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant] });
    expect(await t.call("DELETE", packagePath(tenant), { token })).toMatchObject({
      status: 404,
      body: { error: "PackageNotInstalled" },
    });
    const events = installed(tenant, "2.1.0");
    const e = exampleEvents({ installId: uniqueId("mkt-install"), tenantId: tenant });
    await t.bus.publisher.publish([
      ...events,
      { ...e.UninstallStarted, packageId: "acme-expense-approvals", version: "2.1.0" },
    ]);
    await waitFor(
      async () => (await t.call("GET", packagePath(tenant), { token })).body.state === "Uninstalling",
    );
    expect(await t.call("DELETE", packagePath(tenant), { token })).toMatchObject({
      status: 409,
      body: { error: "UninstallInProgress" },
    });
  });

  it("needs marketplace:uninstall, and the tenant in the token", async () => {
    const tenant = uniqueId("tenant");
    const withoutUninstall = await t.token({
      tenants: [tenant],
      permissions: ["installhub:import", "marketplace:install"],
    });
    expect(await t.call("DELETE", packagePath(tenant), { token: withoutUninstall })).toMatchObject({
      status: 403,
      body: { error: "Forbidden", details: { missingPermission: "marketplace:uninstall" } },
    });
    const elsewhere = await t.token({ tenants: [uniqueId("tenant")] });
    expect(await t.call("DELETE", packagePath(tenant), { token: elsewhere })).toMatchObject({ status: 403 });
    expect(await t.call("DELETE", packagePath(tenant))).toMatchObject({ status: 401 });
  });
});

describe("tenant isolation of the lifecycle reads", () => {
  it("answers 403 for a tenant not in the token, on every endpoint", async () => {
    const tenant = uniqueId("tenant");
    await t.bus.publisher.publish(installed(tenant, "2.1.0"));
    const mine = await t.token({ tenants: [tenant] });
    await installedPackage(tenant, mine, "2.1.0");
    const theirs = await t.token({ tenants: [uniqueId("tenant")] });
    for (const path of [
      `/api/tenants/${tenant}/packages`,
      packagePath(tenant),
      `${packagePath(tenant)}/history`,
    ]) {
      expect(await t.call("GET", path, { token: theirs }), path).toMatchObject({
        status: 403,
        body: { error: "Forbidden" },
      });
      expect((await t.call("GET", path, { token: mine })).status, path).toBe(200);
    }
  });
});

describe("POST /api/marketplace/installs/{installId}/cancel", () => {
  async function accepted(tenant: string, token: string) {
    const response = await t.call("POST", installPath("acme-expense-approvals"), {
      token,
      body: { targetTenantId: tenant, version: "2.1.0" },
    });
    expect(response.status).toBe(202);
    return response.body.installId as string;
  }

  it("records the cancel before its 202 and publishes it; a second cancel gets the first one's answer", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant], sub: "canceller-1" });
    const installId = await accepted(tenant, token);
    const cancelled = await t.call("POST", `/api/marketplace/installs/${installId}/cancel`, { token });
    expect(cancelled).toMatchObject({
      status: 202,
      body: {
        installId,
        cancelRequestedAt: expect.any(String),
        statusUrl: `/api/marketplace/installs/${installId}/status`,
      },
    });
    const record = await t.gateway.platform.mongo.db
      .collection("install_cancellations")
      .findOne({ _id: installId as never });
    expect(record).toMatchObject({ tenantId: tenant });
    await t.bus.waitForEvents(installId, (events) =>
      events.some(
        (event) => event.type === "InstallCancelRequested" && event.requestedBy.userId === "canceller-1",
      ),
    );
    const again = await t.call("POST", `/api/marketplace/installs/${installId}/cancel`, { token });
    expect(again).toMatchObject({ status: 202, body: cancelled.body });
  });

  it("answers 409 once the install has finished, and 404 for another tenant's install", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant] });
    const installId = await accepted(tenant, token);
    const e = exampleEvents({ installId, tenantId: tenant });
    await t.bus.publisher.publish({ ...e.InstallSucceeded, packageId: "acme-expense-approvals" });
    await waitFor(
      async () =>
        (await t.call("GET", `/api/marketplace/installs/${installId}/status`, { token })).body.status ===
        "Success",
    );
    expect(await t.call("POST", `/api/marketplace/installs/${installId}/cancel`, { token })).toMatchObject({
      status: 409,
      body: { error: "InstallAlreadyFinished" },
    });
    const stranger = await t.token({ tenants: [uniqueId("tenant")] });
    expect(
      await t.call("POST", `/api/marketplace/installs/${installId}/cancel`, { token: stranger }),
    ).toMatchObject({
      status: 404,
      body: { error: "InstallNotFound" },
    });
    expect(
      await t.call("POST", "/api/marketplace/installs/mkt-install-nobody/cancel", { token }),
    ).toMatchObject({ status: 404 });
  });

  it("needs the permissions of the operation it cancels: an uninstall's for an uninstall", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant] });
    await t.bus.publisher.publish(installed(tenant, "2.1.0"));
    await installedPackage(tenant, token, "2.1.0");
    const uninstall = await t.call("DELETE", packagePath(tenant), { token });
    const installer = await t.token({
      tenants: [tenant],
      permissions: ["installhub:import", "marketplace:install"],
    });
    expect(
      await t.call("POST", `/api/marketplace/installs/${uninstall.body.installId}/cancel`, {
        token: installer,
      }),
    ).toMatchObject({ status: 403, body: { details: { missingPermission: "marketplace:uninstall" } } });
    expect(
      (await t.call("POST", `/api/marketplace/installs/${uninstall.body.installId}/cancel`, { token }))
        .status,
    ).toBe(202);
  });
});

describe("downgrades", () => {
  it("refuses a version lower than the installed one with 409 DowngradeNotAllowed, unless allowDowngrade", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant] });
    await t.bus.publisher.publish(installed(tenant, "3.0.0"));
    await installedPackage(tenant, token, "3.0.0");
    const body = { targetTenantId: tenant, version: "2.1.0" };
    expect(await t.call("POST", installPath("acme-expense-approvals"), { token, body })).toMatchObject({
      status: 409,
      body: {
        error: "DowngradeNotAllowed",
        message: "Version 2.1.0 is lower than the installed 3.0.0; set 'allowDowngrade': true to install it",
      },
    });
    const allowed = await t.call("POST", installPath("acme-expense-approvals"), {
      token,
      body: { ...body, allowDowngrade: true, upgradeType: "DeprecateOnly" },
    });
    expect(allowed.status).toBe(202);
    const [requested] = await t.bus.waitForEvents(allowed.body.installId, (events) => events.length > 0);
    expect(requested).toMatchObject({ allowDowngrade: true, upgradeType: "DeprecateOnly" });
  });
});

describe("the OpenAPI document", () => {
  it("describes every lifecycle endpoint from its zod schemas", async () => {
    const { body } = await t.call("GET", "/openapi.json");
    const methodsOf = (path: string) => Object.keys(body.paths[path] ?? {}).sort();
    expect(methodsOf("/api/tenants/{tenantId}/packages")).toEqual(["get"]);
    expect(methodsOf("/api/tenants/{tenantId}/packages/{packageId}")).toEqual(["delete", "get"]);
    expect(methodsOf("/api/tenants/{tenantId}/packages/{packageId}/history")).toEqual(["get"]);
    expect(methodsOf("/api/marketplace/installs/{installId}/cancel")).toEqual(["post"]);
    const uninstall = body.paths["/api/tenants/{tenantId}/packages/{packageId}"].delete;
    expect(uninstall.description).toContain("marketplace:uninstall");
    expect(Object.keys(uninstall.responses)).toEqual(expect.arrayContaining(["202", "403", "404", "409"]));
    expect(uninstall.responses["202"].content["application/json"].schema.$ref).toBe(
      "#/components/schemas/UninstallAccepted",
    );
    expect(Object.keys(body.components.schemas)).toEqual(
      expect.arrayContaining(["InstalledPackage", "HistoryEntry", "UninstallAccepted", "CancelAccepted"]),
    );
    expect(body.components.schemas.InstallRequest.properties).toHaveProperty("allowDowngrade");
    expect(body.components.schemas.InstallRequest.properties).toHaveProperty("upgradeType");
  });
});
