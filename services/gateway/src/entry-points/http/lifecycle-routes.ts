import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { installIdPattern } from "@installhub/shared";
import { decodeCursor, encodeCursor } from "../../domain/cursor.ts";
import { installPermissions } from "../../domain/install-request.ts";
import { InstalledPackageView, installedPackageView } from "../../domain/installed-packages.ts";
import { uninstallPermissions } from "../../domain/lifecycle-request.ts";
import { HistoryEntry as HistoryEntryView } from "../../domain/package-history.ts";
import { historyOf, installedPackageOf, installedPackagesOf } from "../../use-cases/read-packages.ts";
import { requestCancel } from "../../use-cases/request-cancel.ts";
import { requestUninstall } from "../../use-cases/request-uninstall.ts";
import { permissionsRequired } from "./auth.ts";
import type { GatewayDeps, GatewayEnv } from "./context.ts";
import { validationHook } from "./errors.ts";
import { installRatePerCaller } from "./rate-limit.ts";
import { errorResponses, IdempotencyKey, PageQuery, pageOf } from "./schemas.ts";

const security = [{ bearerAuth: [] }];
const TenantId = z.string().min(1).openapi({ example: "tenant-abc123" });
const PackageId = z.string().min(1).openapi({ example: "acme-expense-approvals" });

// The shapes are the domain's (one definition each); a copy made here has `.openapi()` (schemas.ts).
export const InstalledPackage = InstalledPackageView.extend({}).openapi("InstalledPackage");

export const HistoryEntry = HistoryEntryView.extend({}).openapi("HistoryEntry");

const OperationAccepted = z
  .object({
    installId: z.string().openapi({ example: "mkt-install-6f1d2c3b" }),
    status: z.literal("InProgress"),
    statusUrl: z.string().openapi({ example: "/api/marketplace/installs/mkt-install-6f1d2c3b/status" }),
  })
  .openapi("UninstallAccepted");

const CancelAccepted = z
  .object({
    installId: z.string(),
    cancelRequestedAt: z.string(),
    statusUrl: z.string(),
  })
  .openapi("CancelAccepted");

/**
 * The package lifecycle in a tenant (docs/lifecycle.md): what is installed, its history, uninstall,
 * and cancelling any operation in progress.
 */
export function lifecycleRoutes(deps: GatewayDeps) {
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });
  const tenantParams = z.object({ tenantId: TenantId });
  const packageParams = z.object({ tenantId: TenantId, packageId: PackageId });

  const list = createRoute({
    method: "get",
    path: "/api/tenants/{tenantId}/packages",
    tags: ["Lifecycle"],
    summary: "Packages installed in a tenant, by package id",
    security,
    request: { params: tenantParams, query: z.object(PageQuery) },
    responses: {
      200: {
        description: "One page of installed packages",
        content: { "application/json": { schema: pageOf(InstalledPackage, "InstalledPackagePage") } },
      },
      ...errorResponses(400, 401, 403),
    },
  });
  app.openapi(list, async (c) => {
    const { tenantId } = c.req.valid("param");
    const query = c.req.valid("query");
    const states = await installedPackagesOf(deps, c.var.caller, {
      tenantId,
      afterPackageId: decodeCursor(query.cursor)?.id,
      limit: query.limit + 1,
    });
    const page = states.slice(0, query.limit);
    const last = page.at(-1);
    return c.json(
      {
        items: page.map(installedPackageView),
        nextCursor:
          states.length > query.limit && last ? encodeCursor({ sortValue: "", id: last.packageId }) : null,
      },
      200,
    );
  });

  const one = createRoute({
    method: "get",
    path: "/api/tenants/{tenantId}/packages/{packageId}",
    tags: ["Lifecycle"],
    summary: "One package as installed in a tenant",
    security,
    request: { params: packageParams },
    responses: {
      200: {
        description: "The installed package",
        content: { "application/json": { schema: InstalledPackage } },
      },
      ...errorResponses(401, 403, 404),
    },
  });
  app.openapi(one, async (c) => {
    const { tenantId, packageId } = c.req.valid("param");
    return c.json(
      installedPackageView(await installedPackageOf(deps, c.var.caller, tenantId, packageId)),
      200,
    );
  });

  const history = createRoute({
    method: "get",
    path: "/api/tenants/{tenantId}/packages/{packageId}/history",
    tags: ["Lifecycle"],
    summary:
      "Every install, upgrade, downgrade, reinstall, uninstall and cancel of a package in a tenant, newest first",
    security,
    request: { params: packageParams, query: z.object(PageQuery) },
    responses: {
      200: {
        description: "One page of the history",
        content: { "application/json": { schema: pageOf(HistoryEntry, "HistoryPage") } },
      },
      ...errorResponses(400, 401, 403),
    },
  });
  app.openapi(history, async (c) => {
    const { tenantId, packageId } = c.req.valid("param");
    const query = c.req.valid("query");
    const rows = await historyOf(deps, c.var.caller, {
      tenantId,
      packageId,
      after: decodeCursor(query.cursor),
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return c.json(
      {
        items: page.map(({ entryId: _entryId, ...row }) => row),
        nextCursor:
          rows.length > query.limit && last
            ? encodeCursor({ sortValue: last.requestedAt, id: last.entryId })
            : null,
      },
      200,
    );
  });

  const uninstall = createRoute({
    method: "delete",
    path: "/api/tenants/{tenantId}/packages/{packageId}",
    tags: ["Lifecycle"],
    summary: "Uninstall a package from a tenant",
    description:
      "Needs the permissions `installhub:import` and `marketplace:uninstall`. Removes every artifact the package owns; artifacts the tenant changed since they were installed are kept (and reported) unless `force=true`. Poll statusUrl: `Uninstalling`, `k of n artifacts removed`, then Success or Failed (rolled back). See docs/lifecycle.md.",
    security,
    middleware: [
      permissionsRequired(...uninstallPermissions),
      installRatePerCaller(deps.config.INSTALL_REQUESTS_PER_CALLER_PER_MINUTE),
    ] as const,
    request: {
      params: packageParams,
      query: z.object({
        force: z
          .enum(["true", "false"])
          .optional()
          .openapi({ description: "Also remove artifacts the tenant changed since they were installed" }),
      }),
      headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
    },
    responses: {
      202: {
        description:
          "Accepted: recorded durably in the install outbox, applied after the tenant's operations accepted before it",
        headers: { Location: { schema: { type: "string" }, description: "The statusUrl" } },
        content: { "application/json": { schema: OperationAccepted } },
      },
      ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503),
    },
  });
  app.openapi(uninstall, async (c) => {
    const { tenantId, packageId } = c.req.valid("param");
    const accepted = await requestUninstall(deps, {
      caller: c.var.caller,
      tenantId,
      packageId,
      force: c.req.valid("query").force === "true",
      idempotencyKey: c.req.valid("header")["idempotency-key"],
    });
    c.header("Location", accepted.statusUrl);
    return c.json(accepted, 202);
  });

  const cancel = createRoute({
    method: "post",
    path: "/api/marketplace/installs/{installId}/cancel",
    tags: ["Install"],
    summary: "Cancel an install, upgrade or uninstall in progress",
    description:
      "Before its import starts it ends Failed with InstallCancelled and rolledBack false; during it, it stops at the next artifact and rolls back (rolledBack true); if it finishes first, it stands. Needs the permissions of the operation cancelled.",
    security,
    middleware: [permissionsRequired(installPermissions[0])] as const,
    request: {
      params: z.object({
        installId: z
          .string()
          .regex(installIdPattern, "not an install id")
          .openapi({ example: "mkt-install-6f1d2c3b" }),
      }),
      headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
    },
    responses: {
      202: {
        description:
          "Accepted: the operation stops at its next safe point unless it finishes first; poll statusUrl",
        content: { "application/json": { schema: CancelAccepted } },
      },
      ...errorResponses(400, 401, 403, 404, 409, 422, 503),
    },
  });
  app.openapi(cancel, async (c) => {
    const accepted = await requestCancel(deps, {
      caller: c.var.caller,
      installId: c.req.valid("param").installId,
      idempotencyKey: c.req.valid("header")["idempotency-key"],
    });
    return c.json(accepted, 202);
  });
  return app;
}
