import { auditLogPath, consumerGroupId, importPath } from "@installhub/shared";
import { uniqueId, waitFor } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPath } from "../../services/gateway/test/harness.ts";
import { type Stack, startStack } from "./stack.ts";

// The spec's examples through the whole system: gateway → Kafka → scanner → installer → notifier,
// with the status read back the way an API caller polls it.
let stack: Stack;

beforeAll(async () => {
  // A short pause after each artifact write, so a caller polling the status can see progress.
  stack = await startStack("e2e", { INSTALL_ARTIFACT_THROTTLE_MS: "150" });
});

async function install(tenantId: string, packageId: string, body: Record<string, unknown>, token?: string) {
  const caller = token ?? (await stack.token({ tenants: [tenantId] }));
  const response = await stack.call("POST", installPath(packageId), {
    token: caller,
    body: { targetTenantId: tenantId, ...body },
  });
  return { ...response, token: caller };
}

async function finalStatus(installId: string, token: string) {
  return waitFor(
    async () => {
      const { body } = await stack.call("GET", `/api/marketplace/installs/${installId}/status`, { token });
      return body.status !== "InProgress" && body;
    },
    { timeoutMs: 90_000, what: `install ${installId} to finish` },
  );
}

/** The installer has handled everything on the topic so far, and the bus has read what it published. */
async function installerCaughtUp() {
  await stack.bus.groupCaughtUp(consumerGroupId(stack.config, "installer"), 90_000);
  await stack.bus.caughtUp();
}

describe("the spec's examples, end to end", () => {
  it("installs acme-invoice-workflows: 202, progress while installing, the success shape, mail and in-app notice", async () => {
    const tenantId = "tenant-abc123";
    const token = await stack.token({
      sub: "admin-1",
      tenants: [tenantId],
      email: "admin@tenant-abc123.example",
    });
    const accepted = await install(
      tenantId,
      "acme-invoice-workflows",
      { version: "3.0.0", defaultConflictStrategy: "Skip", dryRun: false },
      token,
    );
    expect(accepted.status).toBe(202);
    expect(Object.keys(accepted.body).sort()).toEqual([
      "estimatedSeconds",
      "installId",
      "status",
      "statusUrl",
    ]);
    const { installId, statusUrl } = accepted.body;
    expect(statusUrl).toBe(`/api/marketplace/installs/${installId}/status`);

    const progress = await waitFor(
      async () => {
        const { body } = await stack.call("GET", statusUrl, { token });
        if (body.status !== "InProgress")
          throw new Error(`finished before progress was seen: ${JSON.stringify(body)}`);
        return (
          body.stage === "Installing" && /^[1-4] of 5 artifacts installed$/.test(body.progress ?? "") && body
        );
      },
      { timeoutMs: 90_000, intervalMs: 25, what: "progress while installing" },
    );
    expect(Object.keys(progress).sort()).toEqual(["progress", "stage", "status"]);

    const done = await finalStatus(installId, token);
    expect(done).toEqual({
      status: "Success",
      importId: expect.stringMatching(/^imp-/),
      artifactsInstalled: 5,
      conflictsResolved: 0,
      completedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    });

    const record = await stack.call("GET", importPath(done.importId), { token });
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({
      installId,
      tenantId,
      packageId: "acme-invoice-workflows",
      version: "3.0.0",
    });

    const mail = await waitFor(
      () => stack.smtp.messages.find((m) => m.text.includes(installId) || m.text.includes(done.importId)),
      {
        what: "the success mail",
      },
    );
    expect(mail.to).toContain("admin@tenant-abc123.example");
    expect(mail.text).toContain("acme-invoice-workflows");
    expect(mail.html).toContain(`${stack.gateway.url}${importPath(done.importId)}`);

    const notices = await waitFor(async () => {
      const { body } = await stack.call("GET", "/api/notifications", { token });
      return body.items?.length > 0 && body.items;
    });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ installId, tenantId, readAt: null });
  });

  it("blocks shady-toolkit with the spec's failed shape, and the failure mail links the audit log", async () => {
    const tenantId = uniqueId("tenant");
    const accepted = await install(tenantId, "shady-toolkit", {});
    expect(accepted.status).toBe(202);
    const failed = await finalStatus(accepted.body.installId, accepted.token);
    expect(failed).toEqual({
      status: "Failed",
      stage: "SecurityScan",
      error: "SecurityScanFailed",
      message: "Package scan returned FAIL — installation blocked",
      rolledBack: true,
    });

    const mail = await waitFor(
      () =>
        stack.smtp.messages.find(
          (m) =>
            m.text.includes("SecurityScanFailed") &&
            m.to.includes("admin@tenant-abc123.example") &&
            m.text.includes(tenantId),
        ),
      {
        what: "the failure mail",
      },
    );
    const link = /(http:\/\/[^\s"<]+\/audit-log)/.exec(mail.text)?.[1];
    expect(link).toBeDefined();
    // The notifier and the installer handle the failure side by side: the link resolves once the
    // installer has recorded it.
    const audit = await waitFor(
      async () => {
        const response = await fetch(link!, { headers: { authorization: `Bearer ${accepted.token}` } });
        return response.status !== 404 && response;
      },
      { what: "the audit log behind the mail's link" },
    );
    expect(audit.status).toBe(200);
    expect(link).toMatch(
      new RegExp(`${auditLogPath("imp-").replace("imp-", "imp-[a-z0-9-]+").replaceAll("/", "\\/")}$`),
    );

    // The tenant is untouched: once the installer has handled everything on the topic (the verdict
    // and the failure included), no artifact was written and no import was started.
    await installerCaughtUp();
    const db = stack.gateway.platform.mongo.db;
    expect(await db.collection("tenant_artifacts").countDocuments({ tenantId })).toBe(0);
    expect(
      stack.bus
        .eventsOf(accepted.body.installId)
        .filter((event) => event.type === "ImportStarted" || event.type === "ArtifactInstalled"),
    ).toEqual([]);
    expect(
      (await stack.call("GET", link!.replace(stack.gateway.url, ""), { token: accepted.token })).body,
    ).toMatchObject({
      entries: [{ action: "ImportFailed" }],
    });
  });

  it("asks for the Community acknowledgement, then installs with a WARN verdict", async () => {
    const tenantId = uniqueId("tenant");
    const refused = await install(tenantId, "community-kanban-widgets", { version: "1.0.0" });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: "AcknowledgmentRequired",
      message: "This is a Community package. Set 'acknowledgeCommunityPackage': true to confirm.",
    });
    const accepted = await install(tenantId, "community-kanban-widgets", {
      version: "1.0.0",
      acknowledgeCommunityPackage: true,
    });
    expect(accepted.status).toBe(202);
    expect(await finalStatus(accepted.body.installId, accepted.token)).toMatchObject({
      status: "Success",
      artifactsInstalled: 3,
    });
  });

  it("answers 403 naming the missing permission", async () => {
    const tenantId = uniqueId("tenant");
    const token = await stack.token({ tenants: [tenantId], permissions: ["installhub:import"] });
    const refused = await install(tenantId, "acme-invoice-workflows", {}, token);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain("marketplace:install");
  });

  it("fails tampered-dashboards on integrity, and writes nothing", async () => {
    const tenantId = uniqueId("tenant");
    const accepted = await install(tenantId, "tampered-dashboards", {});
    const failed = await finalStatus(accepted.body.installId, accepted.token);
    expect(failed).toMatchObject({
      status: "Failed",
      stage: "SecurityScan",
      error: "IntegrityCheckFailed",
      rolledBack: true,
    });
    await installerCaughtUp();
    expect(
      await stack.gateway.platform.mongo.db.collection("tenant_artifacts").countDocuments({ tenantId }),
    ).toBe(0);
  });

  it("plans a dry run without touching the tenant, then resolves conflicts with per-artifact strategies", async () => {
    const tenantId = uniqueId("tenant");
    const first = await install(tenantId, "acme-invoice-workflows", { version: "2.1.0" });
    await finalStatus(first.body.installId, first.token);
    const artifacts = stack.gateway.platform.mongo.db.collection("tenant_artifacts");
    const before = await artifacts.find({ tenantId }).sort({ key: 1 }).toArray();
    expect(before).toHaveLength(5);

    const dry = await install(
      tenantId,
      "acme-reporting-pack",
      { dryRun: true, defaultConflictStrategy: "Rename" },
      first.token,
    );
    const planned = await finalStatus(dry.body.installId, dry.token);
    expect(planned).toMatchObject({ status: "Success", dryRun: true, conflictsResolved: 3 });
    expect(planned.plan).toHaveLength(4);
    expect(await artifacts.find({ tenantId }).sort({ key: 1 }).toArray()).toEqual(before);

    const real = await install(
      tenantId,
      "acme-reporting-pack",
      {
        defaultConflictStrategy: "Rename",
        conflictStrategies: { "invoice-approval": "Overwrite", "overdue-report": "Skip" },
      },
      first.token,
    );
    const done = await finalStatus(real.body.installId, real.token);
    expect(done).toMatchObject({ status: "Success", artifactsInstalled: 3, conflictsResolved: 3 });
    const keys = (await artifacts.find({ tenantId }).sort({ key: 1 }).toArray()).map((a) => a.key);
    expect(keys).toEqual([
      "invoice-approval",
      "invoice-dashboard",
      "invoice-dashboard-2",
      "invoice-reminder",
      "overdue-report",
      "reporting-schedule",
      "vendor-sync",
    ]);
    expect(planned.plan.map((p: { key: string; action: string }) => `${p.key}:${p.action}`).sort()).toEqual([
      "invoice-approval:Renamed",
      "invoice-dashboard:Renamed",
      "overdue-report:Renamed",
      "reporting-schedule:Created",
    ]);
  });
});

afterAll(async () => {
  await stack?.close();
});
