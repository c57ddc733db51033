import { afterEach, describe, expect, it } from "vitest";
import { inProcessGateway } from "../../../test/in-process-gateway.ts";

const t = await inProcessGateway({
  env: { PUBLIC_BASE_URL: "https://installhub.example", INSTALL_EVENTS_TOPIC: "acme.install-events" },
});

/** Every operation of the API, as `METHOD path` in the OpenAPI document's spelling. */
const operations = [
  "POST /api/marketplace/packages/{packageId}/install",
  "GET /api/marketplace/installs/{installId}/status",
  "GET /api/marketplace/installs",
  "POST /api/marketplace/installs/{installId}/cancel",
  "GET /api/marketplace/packages",
  "GET /api/marketplace/packages/{packageId}",
  "GET /api/tenants/{tenantId}/packages",
  "GET /api/tenants/{tenantId}/packages/{packageId}",
  "DELETE /api/tenants/{tenantId}/packages/{packageId}",
  "GET /api/tenants/{tenantId}/packages/{packageId}/history",
  "GET /api/installhub/imports/{importId}",
  "GET /api/installhub/imports/{importId}/audit-log",
  "GET /api/notifications",
  "POST /api/notifications/{id}/read",
];

describe("GET /openapi.json", () => {
  it("is served without a token: OpenAPI 3.1 naming this deployment, every operation behind a bearer token", async () => {
    const response = await t.call("GET", "/openapi.json", { authorization: null });
    expect(response.status).toBe(200);
    const document = response.body;
    expect(document.openapi).toBe("3.1.0");
    expect(document.servers).toEqual([{ url: "https://installhub.example" }]);
    expect(document.components.securitySchemes).toEqual({
      bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
    });
    const listed = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual([...operations].sort());
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods as Record<string, object>)) {
        expect(operation, `${method} ${path}`).toMatchObject({
          security: [{ bearerAuth: [] }],
          responses: {
            401: { content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
          },
        });
      }
    }
  });

  it("describes the install body as strict, so clients learn that unknown fields are refused", async () => {
    const { body } = await t.call("GET", "/openapi.json", { authorization: null });
    expect(body.components.schemas.InstallRequest).toMatchObject({
      additionalProperties: false,
      required: ["targetTenantId"],
    });
  });
});

describe("GET /asyncapi.json", () => {
  it("is served without a token and names this deployment's topic", async () => {
    const response = await t.call("GET", "/asyncapi.json", { authorization: null });
    expect(response.status).toBe(200);
    expect(response.body.asyncapi).toBe("3.0.0");
    expect(response.body.channels.installEvents.address).toBe("acme.install-events");
  });
});

describe("unknown paths and methods", () => {
  it("answers 404 NotFound for a path no route has", async () => {
    expect(await t.call("GET", "/api/nope")).toMatchObject({
      status: 404,
      body: { error: "NotFound", message: "No route for GET /api/nope" },
    });
    expect(await t.call("GET", "/nope", { authorization: null })).toMatchObject({
      status: 404,
      body: { error: "NotFound", message: "No route for GET /nope" },
    });
    // An empty path parameter matches no route.
    expect((await t.call("GET", "/api/marketplace/installs//status")).status).toBe(404);
  });

  it("checks the token first under /api, even for a path no route has", async () => {
    const response = await t.call("GET", "/api/nope", { authorization: null });
    expect(response).toMatchObject({ status: 401, body: { error: "Unauthorized" } });
  });

  it.each([
    ["PUT", "/api/marketplace/installs", ["GET", "HEAD"]],
    ["GET", "/api/marketplace/packages/acme-invoice-workflows/install", ["POST"]],
    ["POST", "/api/tenants/tenant-a/packages/acme-invoice-workflows", ["DELETE", "GET", "HEAD"]],
    ["DELETE", "/api/notifications/ntf-1/read", ["POST"]],
    ["OPTIONS", "/api/marketplace/packages", ["GET", "HEAD"]],
    ["POST", "/openapi.json", ["GET", "HEAD"]],
  ])("answers 405 MethodNotAllowed to %s %s, with the Allow header", async (method, path, allowed) => {
    const response = await t.call(method, path);
    expect(response.status).toBe(405);
    expect(response.body).toEqual({
      error: "MethodNotAllowed",
      message: `${method} is not allowed on ${path}`,
      details: { allowed },
    });
    expect(response.headers.get("allow")).toBe(allowed.join(", "));
  });

  it("answers HEAD wherever GET is, without a body", async () => {
    const response = await t.call("HEAD", "/api/marketplace/packages");
    expect(response.status).toBe(200);
    expect(response.body).toBe("");
  });
});

describe("ops endpoints", () => {
  afterEach(() => {
    delete t.deps.readinessChecks.mongo;
  });

  it("answers /healthz without a token, and /readyz 503 naming a check that fails", async () => {
    expect(await t.call("GET", "/healthz", { authorization: null })).toMatchObject({
      status: 200,
      body: { status: "ok" },
    });
    t.deps.readinessChecks.mongo = async () => {};
    expect((await t.call("GET", "/readyz", { authorization: null })).body).toEqual({
      status: "ready",
      checks: { mongo: "ok" },
    });
    t.deps.readinessChecks.mongo = async () => Promise.reject(new Error("no primary"));
    expect(await t.call("GET", "/readyz", { authorization: null })).toMatchObject({
      status: 503,
      body: { status: "not ready", checks: { mongo: "no primary" } },
    });
  });
});
