import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError } from "@installhub/shared";
import { bodyLimit } from "hono/body-limit";
import { decodeCursor, encodeCursor } from "../../domain/cursor.ts";
import { installPermissions } from "../../domain/install-request.ts";
import { statusView } from "../../domain/status-view.ts";
import { installStatusOf, installsOfTenant } from "../../use-cases/read-installs.ts";
import { requestInstall } from "../../use-cases/request-install.ts";
import { permissionsRequired } from "./auth.ts";
import type { GatewayDeps, GatewayEnv } from "./context.ts";
import { validationHook } from "./errors.ts";
import { installRatePerCaller } from "./rate-limit.ts";
import {
  errorResponses,
  IdempotencyKey,
  InstallAccepted,
  InstallRequestBody,
  InstallStatus,
  InstallSummary,
  PageQuery,
  pageOf,
} from "./schemas.ts";
import { keepRawBody, rejectAmbiguousJson } from "./strict-json.ts";

const security = [{ bearerAuth: [] }];

/** POST install, GET status, GET installs of a tenant. */
export function installRoutes(deps: GatewayDeps) {
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });

  const install = createRoute({
    method: "post",
    path: "/api/marketplace/packages/{packageId}/install",
    tags: ["Install"],
    summary: "Install a marketplace package into a tenant",
    security,
    middleware: [
      permissionsRequired(...installPermissions),
      installRatePerCaller(deps.config.INSTALL_REQUESTS_PER_CALLER_PER_MINUTE),
      bodyLimit({
        maxSize: deps.config.MAX_BODY_BYTES,
        onError: () => {
          throw new AppError("PayloadTooLarge", `The body exceeds ${deps.config.MAX_BODY_BYTES} bytes`);
        },
      }),
      keepRawBody(),
    ] as const,
    request: {
      params: z.object({ packageId: z.string().min(1).openapi({ example: "acme-invoice-workflows" }) }),
      headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
      body: { required: true, content: { "application/json": { schema: InstallRequestBody } } },
    },
    responses: {
      202: {
        description:
          "Accepted: recorded durably, so the install happens exactly once (its event is published at once, or by the outbox relay while Kafka is away); poll statusUrl",
        headers: { Location: { schema: { type: "string" }, description: "The statusUrl" } },
        content: { "application/json": { schema: InstallAccepted } },
      },
      ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
    },
  });
  app.openapi(install, async (c) => {
    // The validators above read the body with JSON.parse, which keeps the last of duplicate keys.
    rejectAmbiguousJson(await c.req.text());
    const accepted = await requestInstall(deps, {
      caller: c.var.caller,
      packageId: c.req.valid("param").packageId,
      body: c.req.valid("json"),
      idempotencyKey: c.req.valid("header")["idempotency-key"],
    });
    c.header("Location", accepted.statusUrl);
    return c.json(accepted, 202);
  });

  const status = createRoute({
    method: "get",
    path: "/api/marketplace/installs/{installId}/status",
    tags: ["Install"],
    summary: "Status of an install",
    security,
    request: { params: z.object({ installId: z.string().min(1) }) },
    responses: {
      200: {
        description: "The install's status",
        content: { "application/json": { schema: InstallStatus } },
      },
      ...errorResponses(401, 404),
    },
  });
  app.openapi(status, async (c) => {
    const state = await installStatusOf(deps, c.var.caller, c.req.valid("param").installId);
    return c.json(statusView(state), 200);
  });

  const list = createRoute({
    method: "get",
    path: "/api/marketplace/installs",
    tags: ["Install"],
    summary: "Installs of a tenant, newest first",
    security,
    request: {
      query: z.object({
        tenantId: z.string().min(1),
        status: z.enum(["InProgress", "Success", "Failed"]).optional(),
        ...PageQuery,
      }),
    },
    responses: {
      200: {
        description: "One page of installs",
        content: { "application/json": { schema: pageOf(InstallSummary, "InstallPage") } },
      },
      ...errorResponses(400, 401, 403),
    },
  });
  app.openapi(list, async (c) => {
    const query = c.req.valid("query");
    const states = await installsOfTenant(deps, c.var.caller, {
      tenantId: query.tenantId,
      status: query.status,
      after: decodeCursor(query.cursor),
      limit: query.limit + 1,
    });
    const page = states.slice(0, query.limit);
    const last = page.at(-1);
    return c.json(
      {
        items: page.map((state) => ({
          installId: state.installId,
          tenantId: state.tenantId,
          packageId: state.packageId,
          version: state.version,
          requestedAt: state.requestedAt,
          requestedBy: state.requestedBy?.userId ?? null,
          status: statusView(state),
        })),
        nextCursor:
          states.length > query.limit && last
            ? encodeCursor({ sortValue: last.requestedAt, id: last.installId })
            : null,
      },
      200,
    );
  });
  return app;
}
