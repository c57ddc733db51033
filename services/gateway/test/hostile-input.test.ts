import { uniqueId } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPath, startTestGateway, type TestGateway } from "./harness.ts";

/**
 * What an attacker or a fuzzer sends: identities that would mail someone else, headers and bodies
 * that a lenient reader would reinterpret. Each is refused with the spec's error shape naming what is
 * wrong, and nothing is accepted.
 */
let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway("gateway-hostile");
});
afterAll(async () => {
  await t?.close();
});

const body = (tenant: string) => ({ version: "3.0.0", targetTenantId: tenant, dryRun: true });

async function caller() {
  const tenant = uniqueId("tenant");
  return { tenant, token: await t.token({ tenants: [tenant] }) };
}

/** Installs recorded for a tenant: a refused request must leave none. */
async function installsIn(tenant: string, token: string): Promise<unknown[]> {
  const listed = await t.call("GET", `/api/marketplace/installs?tenantId=${tenant}`, { token });
  expect(listed.status).toBe(200);
  return listed.body.items;
}

describe("the token's email claim", () => {
  it.each([
    ["a header injection", "x@example.test\r\nBcc: attacker@evil.test"],
    ["two addresses", "a@example.test, b@example.test"],
    ["a display name", "Name <a@example.test>"],
    ["a quoted local part", '"a b"@example.test'],
    ["an address over 254 characters", `${"a".repeat(64)}@${"b".repeat(190)}.example`],
    ["unicode", "élise@example.test"],
    ["nothing", ""],
  ])("answers 401 naming the claim for %s", async (_, email) => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant], email });
    const response = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: body(tenant),
    });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: "Unauthorized", details: { claim: "email" } });
    expect(response.body.message).toContain("'email' claim");
    const valid = await t.token({ tenants: [tenant] });
    expect(await installsIn(tenant, valid)).toEqual([]);
  });

  it("accepts a plain address", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant], email: "first.last+tag@sub.example.org" });
    const response = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: body(tenant),
    });
    expect(response.status).toBe(202);
  });
});

describe("Idempotency-Key", () => {
  it.each([
    ["non-ASCII", "clé-é"],
    ["a control character", "key\twith-tab"],
    ["256 characters", "k".repeat(256)],
  ])("answers 400 for %s, naming the header", async (_, key) => {
    const { tenant, token } = await caller();
    const response = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: body(tenant),
      headers: { "idempotency-key": key },
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe("ValidationFailed");
    expect(response.body.details.fields.map((f: { field: string }) => f.field)).toEqual(["idempotency-key"]);
    expect(await installsIn(tenant, token)).toEqual([]);
  });

  it("accepts 255 printable ASCII characters", async () => {
    const specials = `a ~!#$%^&*()[]{}<>?/|"'\\:;,.=+-_@\``;
    const { tenant, token } = await caller();
    const response = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: body(tenant),
      headers: { "idempotency-key": `${specials}${"k".repeat(255 - specials.length)}` },
    });
    expect(response.status).toBe(202);
  });
});

describe("request bodies: nothing silently dropped or reinterpreted", () => {
  it.each([
    [
      "a duplicate key",
      (tenant: string) => `{"targetTenantId":"${tenant}","dryRun":true,"dryRun":false}`,
      "dryRun",
    ],
    [
      "a duplicate key inside conflictStrategies",
      (tenant: string) =>
        `{"targetTenantId":"${tenant}","conflictStrategies":{"vendor-sync":"Skip","vendor-sync":"Overwrite"}}`,
      "conflictStrategies.vendor-sync",
    ],
    [
      "__proto__",
      (tenant: string) =>
        `{"targetTenantId":"${tenant}","conflictStrategies":{"__proto__":{"polluted":"yes"}}}`,
      "conflictStrategies.__proto__",
    ],
    [
      "__proto__ with a strategy",
      (tenant: string) => `{"targetTenantId":"${tenant}","conflictStrategies":{"__proto__":"Skip"}}`,
      "conflictStrategies.__proto__",
    ],
    [
      "constructor",
      (tenant: string) => `{"targetTenantId":"${tenant}","conflictStrategies":{"constructor":"Skip"}}`,
      "conflictStrategies.constructor",
    ],
    [
      "a top-level __proto__",
      (tenant: string) => `{"targetTenantId":"${tenant}","__proto__":{"dryRun":true}}`,
      "__proto__",
    ],
    [
      "an empty artifact key",
      (tenant: string) => `{"targetTenantId":"${tenant}","conflictStrategies":{"":"Skip"}}`,
      "conflictStrategies.",
    ],
    [
      "a '$' artifact key",
      (tenant: string) => `{"targetTenantId":"${tenant}","conflictStrategies":{"$where":"Skip"}}`,
      "conflictStrategies.$where",
    ],
    [
      "an upper-case artifact key",
      (tenant: string) => `{"targetTenantId":"${tenant}","conflictStrategies":{"Vendor Sync":"Skip"}}`,
      "conflictStrategies.Vendor Sync",
    ],
  ])("answers 400 for %s, naming the field", async (_, text, field) => {
    const { tenant, token } = await caller();
    const response = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: text(tenant),
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe("ValidationFailed");
    expect(response.body.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(await installsIn(tenant, token)).toEqual([]);
  });

  it("accepts artifact keys with '.', '_' and '-' (the artifact-key grammar)", async () => {
    const { tenant, token } = await caller();
    const response = await t.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: {
        ...body(tenant),
        conflictStrategies: { "a.b.c": "Skip", vendor_sync: "Rename", "x-1": "Fail" },
      },
    });
    expect(response.status).toBe(202);
  });
});

describe("methods and queries the API description allows", () => {
  it("answers 405 with Allow for a known path and an unsupported method, 404 for an unknown path", async () => {
    const { token } = await caller();
    const install = await t.call("GET", installPath("acme-invoice-workflows"), { token });
    expect(install.status).toBe(405);
    expect(install.headers.get("allow")).toBe("POST");
    expect(install.body).toMatchObject({ error: "MethodNotAllowed", details: { allowed: ["POST"] } });
    const status = await t.call("DELETE", "/api/marketplace/installs/mkt-install-x/status", { token });
    expect(status.status).toBe(405);
    expect(status.headers.get("allow")).toBe("GET, HEAD");
    expect((await t.call("GET", "/api/no-such-thing", { token })).status).toBe(404);
  });

  it("reads an empty cursor as the first page", async () => {
    const { tenant, token } = await caller();
    const listed = await t.call("GET", `/api/marketplace/installs?tenantId=${tenant}&cursor=`, { token });
    expect(listed).toMatchObject({ status: 200, body: { items: [], nextCursor: null } });
  });
});
