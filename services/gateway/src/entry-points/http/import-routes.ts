import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError, type ImportRecordDocument } from "@installhub/shared";
import { permissionsRequired } from "./auth.ts";
import type { GatewayDeps, GatewayEnv } from "./context.ts";
import { validationHook } from "./errors.ts";
import { AuditEntry, errorResponses, ImportRecord } from "./schemas.ts";

const security = [{ bearerAuth: [] }];

/** The installer's import record and audit log, within the caller's tenants, for `installhub:import`. */
export function importRoutes(deps: GatewayDeps) {
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });
  const params = z.object({ importId: z.string().min(1) });

  const findOwn = async (importId: string, tenants: string[]): Promise<ImportRecordDocument> => {
    const record = await deps.imports.findImport(importId, tenants);
    if (!record) throw new AppError("ImportNotFound", `Import '${importId}' was not found`);
    return record;
  };

  const record = createRoute({
    method: "get",
    path: "/api/installhub/imports/{importId}",
    tags: ["Imports"],
    summary: "An import record",
    security,
    middleware: [permissionsRequired("installhub:import")] as const,
    request: { params },
    responses: {
      200: { description: "The import", content: { "application/json": { schema: ImportRecord } } },
      ...errorResponses(401, 403, 404),
    },
  });
  app.openapi(record, async (c) => {
    const { _id, ...rest } = await findOwn(c.req.valid("param").importId, c.var.caller.tenants);
    return c.json({ importId: _id, ...rest }, 200);
  });

  const auditLog = createRoute({
    method: "get",
    path: "/api/installhub/imports/{importId}/audit-log",
    tags: ["Imports"],
    summary: "An import's audit log, in order",
    security,
    middleware: [permissionsRequired("installhub:import")] as const,
    request: { params },
    responses: {
      200: {
        description: "Audit entries by seq",
        content: {
          "application/json": {
            schema: z.object({ importId: z.string(), entries: z.array(AuditEntry) }).openapi("AuditLog"),
          },
        },
      },
      ...errorResponses(401, 403, 404),
    },
  });
  app.openapi(auditLog, async (c) => {
    const { _id: importId } = await findOwn(c.req.valid("param").importId, c.var.caller.tenants);
    const entries = await deps.imports.auditLog(importId);
    return c.json(
      {
        importId,
        entries: entries.map(({ _id, importId: _importId, tenantId: _tenantId, ...entry }) => entry),
      },
      200,
    );
  });
  return app;
}
