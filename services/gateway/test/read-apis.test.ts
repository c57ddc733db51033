import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { type AuditEntryDocument, auditLogOf, importRecordsOf, notificationsOf } from "@installhub/shared";
import { uniqueId } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleAuditEntry, exampleImportRecord, exampleNotification } from "./fakes.ts";
import { startTestGateway, type TestGateway } from "./harness.ts";

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway("gateway-reads", { silent: true });
});
afterAll(async () => {
  await t?.close();
});

describe("catalog", () => {
  it("lists packages page by page, filters by trust level, and never exposes archive paths or keys", async () => {
    const token = await t.token();
    const first = await t.call("GET", "/api/marketplace/packages?limit=2", { token });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    const ids: string[] = first.body.items.map((item: { packageId: string }) => item.packageId);
    let cursor = first.body.nextCursor;
    while (cursor) {
      const page = await t.call("GET", `/api/marketplace/packages?limit=2&cursor=${cursor}`, { token });
      ids.push(...page.body.items.map((item: { packageId: string }) => item.packageId));
      cursor = page.body.nextCursor;
    }
    expect(ids).toEqual([
      "acme-expense-approvals",
      "acme-invoice-workflows",
      "acme-reporting-pack",
      "community-kanban-widgets",
      "shady-toolkit",
      "tampered-dashboards",
    ]);
    expect(first.body.items[1]).toStrictEqual({
      packageId: "acme-invoice-workflows",
      name: "ACME Invoice Workflows",
      description: expect.any(String),
      trustLevel: "Verified",
      publisher: { id: "acme", name: "ACME Corp" },
      latestVersion: "3.0.0",
    });

    const community = await t.call("GET", "/api/marketplace/packages?trustLevel=Community", { token });
    expect(community.body.items.map((item: { packageId: string }) => item.packageId)).toEqual([
      "community-kanban-widgets",
    ]);
    const badFilter = await t.call("GET", "/api/marketplace/packages?trustLevel=Shady", { token });
    expect(badFilter).toMatchObject({ status: 400, body: { error: "ValidationFailed" } });
    expect((await t.call("GET", "/api/marketplace/packages")).status).toBe(401);
  });

  it("shows one package with its versions, newest first", async () => {
    const token = await t.token();
    const detail = await t.call("GET", "/api/marketplace/packages/acme-invoice-workflows", { token });
    expect(detail.status).toBe(200);
    expect(detail.body.versions.map((v: { version: string }) => v.version)).toEqual(["3.0.0", "2.1.0"]);
    expect(detail.body.versions[0]).toMatchObject({
      yanked: false,
      prerelease: false,
      signed: true,
      artifactCount: 5,
    });
    const text = JSON.stringify(detail.body);
    expect(text).not.toContain("archivePath");
    expect(text).not.toContain("BEGIN PUBLIC KEY");
    expect(text).not.toContain(".tgz");

    const unsigned = await t.call("GET", "/api/marketplace/packages/community-kanban-widgets", { token });
    expect(unsigned.body.versions[0].signed).toBe(false);
    const missing = await t.call("GET", "/api/marketplace/packages/nope", { token });
    expect(missing).toMatchObject({ status: 404, body: { error: "PackageNotFound" } });
  });
});

describe("imports", () => {
  const tenant = uniqueId("tenant");
  const importId = `imp-${uniqueId("x")}`;

  beforeAll(async () => {
    const db = t.gateway.platform.mongo.db;
    const record = exampleImportRecord({ _id: importId, tenantId: tenant });
    await importRecordsOf(db).insertOne(record);
    const entry = (seq: number, action: AuditEntryDocument["action"]) =>
      exampleAuditEntry(record, seq, action);
    // stored out of order: the API sorts by seq
    await auditLogOf(db).insertMany([
      entry(3, "ImportSucceeded"),
      entry(1, "ImportStarted"),
      entry(2, "ArtifactApplied"),
    ]);
  });

  it("serves the import record and its audit log, in seq order, to the tenant's importers", async () => {
    const token = await t.token({ tenants: [tenant], permissions: ["installhub:import"] });
    const record = await t.call("GET", `/api/installhub/imports/${importId}`, { token });
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({
      importId,
      tenantId: tenant,
      status: "Success",
      artifactsInstalled: 2,
    });
    expect(record.body.artifacts[1]).toEqual({
      key: "b",
      action: "Overwritten",
      resultingKey: "b",
      beforeVersionId: "v0",
      afterVersionId: "v2",
    });
    const log = await t.call("GET", `/api/installhub/imports/${importId}/audit-log`, { token });
    expect(log.status).toBe(200);
    expect(log.body.entries.map((e: { seq: number; action: string }) => [e.seq, e.action])).toEqual([
      [1, "ImportStarted"],
      [2, "ArtifactApplied"],
      [3, "ImportSucceeded"],
    ]);
  });

  it("answers 404 to other tenants and 403 without installhub:import", async () => {
    const stranger = await t.token({ tenants: [uniqueId("tenant")], permissions: ["installhub:import"] });
    for (const path of [
      `/api/installhub/imports/${importId}`,
      `/api/installhub/imports/${importId}/audit-log`,
    ]) {
      expect(await t.call("GET", path, { token: stranger })).toMatchObject({
        status: 404,
        body: { error: "ImportNotFound" },
      });
    }
    const noPermission = await t.token({ tenants: [tenant], permissions: ["marketplace:install"] });
    const refused = await t.call("GET", `/api/installhub/imports/${importId}`, { token: noPermission });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain("installhub:import");
  });
});

describe("notifications", () => {
  const tenant = uniqueId("tenant");
  const me = uniqueId("user");
  const notification = (n: number, userId: string, tenantId = tenant) =>
    exampleNotification(n, userId, tenantId);

  beforeAll(async () => {
    await notificationsOf(t.gateway.platform.mongo.db).insertMany([
      notification(1, me),
      notification(2, me),
      notification(3, me),
      notification(4, "someone-else"),
      notification(5, me, "tenant-i-left"),
    ]);
  });

  it("lists the caller's own notifications newest first, page by page, with an unread filter", async () => {
    const token = await t.token({ sub: me, tenants: [tenant] });
    const first = await t.call("GET", "/api/notifications?limit=2", { token });
    expect(first.status).toBe(200);
    expect(first.body.items.map((n: { id: string }) => n.id)).toEqual([`ntf-${me}-3`, `ntf-${me}-2`]);
    expect(first.body.items[0]).not.toHaveProperty("userId");
    const second = await t.call("GET", `/api/notifications?limit=2&cursor=${first.body.nextCursor}`, {
      token,
    });
    expect(second.body.items.map((n: { id: string }) => n.id)).toEqual([`ntf-${me}-1`]);
    expect(second.body.nextCursor).toBeNull();

    const read = await t.call("POST", `/api/notifications/ntf-${me}-2/read`, { token });
    expect(read.status).toBe(200);
    expect(read.body.readAt).toEqual(expect.any(String));
    const unread = await t.call("GET", "/api/notifications?unread=true", { token });
    expect(unread.body.items.map((n: { id: string }) => n.id)).toEqual([`ntf-${me}-3`, `ntf-${me}-1`]);
  });

  it("sets readAt once, and answers 404 for someone else's notification", async () => {
    const token = await t.token({ sub: me, tenants: [tenant] });
    const first = await t.call("POST", `/api/notifications/ntf-${me}-1/read`, { token });
    const again = await t.call("POST", `/api/notifications/ntf-${me}-1/read`, { token });
    expect(again.body.readAt).toBe(first.body.readAt);

    const theirs = await t.call("POST", "/api/notifications/ntf-someone-else-4/read", { token });
    expect(theirs).toMatchObject({ status: 404, body: { error: "NotificationNotFound" } });
    const stored = await notificationsOf(t.gateway.platform.mongo.db).findOne({ _id: "ntf-someone-else-4" });
    expect(stored?.readAt).toBeNull();
    const otherTenant = await t.call("POST", `/api/notifications/ntf-${me}-5/read`, { token });
    expect(otherTenant.status).toBe(404);
  });
});

describe("pnpm dev:token", () => {
  it("prints only a JWT that the gateway accepts", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "scripts/dev-token.ts",
        "--sub",
        "user-cli",
        "--email",
        "cli@example.com",
        "--tenants",
        "tenant-a,tenant-b",
        "--permissions",
        "installhub:import,marketplace:install",
      ],
      {
        cwd: new URL("../../..", import.meta.url).pathname,
        env: { ...process.env, DEV_KEYS_DIR: t.keysDir },
      },
    );
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const listed = await t.call("GET", "/api/marketplace/installs?tenantId=tenant-b", {
      token: stdout.trim(),
    });
    expect(listed).toMatchObject({ status: 200, body: { items: [] } });
  });
});
