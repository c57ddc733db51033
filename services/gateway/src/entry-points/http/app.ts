import { OpenAPIHono } from "@hono/zod-openapi";
import { AppError, asyncApiDocument, errorResponse, opsRoutes } from "@installhub/shared";
import { authenticate } from "./auth.ts";
import { catalogRoutes } from "./catalog-routes.ts";
import type { GatewayDeps, GatewayEnv } from "./context.ts";
import { docsRoutes } from "./docs-routes.ts";
import { toErrorResponse, validationHook } from "./errors.ts";
import { importRoutes } from "./import-routes.ts";
import { installRoutes } from "./install-routes.ts";
import { lifecycleRoutes } from "./lifecycle-routes.ts";
import { notificationRoutes } from "./notification-routes.ts";
import { requestMetrics } from "./request-metrics.ts";

/**
 * The methods routes answer at `path` (HEAD wherever GET is), ignoring middleware (`ALL`) entries.
 *
 * @example
 * allowedMethods([{ method: "GET", path: "/api/installs/:id" }], "/api/installs/x") // ["GET", "HEAD"]
 */
export function allowedMethods(routes: readonly { method: string; path: string }[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === "ALL") continue;
    const pattern = route.path
      .split("/")
      .map((segment) =>
        segment.startsWith(":")
          ? "[^/]+"
          : segment === "*"
            ? ".*"
            : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      )
      .join("/");
    if (new RegExp(`^${pattern}/?$`).test(path)) methods.add(route.method);
  }
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}

/**
 * The gateway's HTTP API. Everything under /api needs a valid token (checked first); ops endpoints,
 * the OpenAPI and AsyncAPI documents and the docs pages (/docs, /docs/events) do not.
 */
export function createApp(deps: GatewayDeps): OpenAPIHono<GatewayEnv> {
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });
  app.onError(toErrorResponse(deps.logger));
  app.notFound((c) => {
    // A known path asked with another method is 405 with the methods it has (RFC 9110 §15.5.6).
    const allowed = allowedMethods(app.routes, c.req.path);
    // No route at all, or a route for this very method that found nothing (an unknown asset): 404.
    if (allowed.length === 0 || allowed.includes(c.req.method)) {
      return errorResponse(c, new AppError("NotFound", `No route for ${c.req.method} ${c.req.path}`));
    }
    c.header("Allow", allowed.join(", "));
    return errorResponse(
      c,
      new AppError("MethodNotAllowed", `${c.req.method} is not allowed on ${c.req.path}`, { allowed }),
    );
  });
  app.use(requestMetrics());
  app.route("/", opsRoutes(deps.readinessChecks));

  app.use("/api/*", authenticate(deps.verifyToken));
  app.route("/", installRoutes(deps));
  app.route("/", lifecycleRoutes(deps));
  app.route("/", catalogRoutes(deps));
  app.route("/", importRoutes(deps));
  app.route("/", notificationRoutes(deps));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "InstallHub API",
      version: "1.0.0",
      description:
        "Marketplace installs, their status, the packages installed in a tenant (upgrade, uninstall, cancel, history), the catalog, imports and notifications. See docs/api.md and docs/lifecycle.md. Subscribers to the install events: the [event catalog](/docs/events).",
    },
    servers: [{ url: deps.config.PUBLIC_BASE_URL }],
  });
  app.route("/", docsRoutes({ publicBaseUrl: deps.config.PUBLIC_BASE_URL }));
  // The event contract of this deployment (its topic names and brokers); docs/asyncapi.json is the
  // same document for the default settings.
  const asyncApi = asyncApiDocument({
    eventsTopic: deps.config.INSTALL_EVENTS_TOPIC,
    dlqTopic: deps.config.DLQ_TOPIC,
    broker: deps.config.KAFKA_BROKERS.join(","),
  });
  app.get("/asyncapi.json", (c) => c.json(asyncApi));
  return app;
}
