import { AppError } from "@installhub/shared";
import type { MiddlewareHandler } from "hono";
import type { TokenVerifier } from "../../auth/verifier.ts";
import { requirePermissions } from "../../domain/install-request.ts";
import type { GatewayEnv } from "./context.ts";

/** 401 unless the request carries a valid bearer token; the verified caller goes into `c.var.caller`. */
export function authenticate(verifyToken: TokenVerifier): MiddlewareHandler<GatewayEnv> {
  return async function authenticate(c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AppError("Unauthorized", "An 'Authorization: Bearer <token>' header is required");
    c.set("caller", await verifyToken(match[1]!));
    await next();
  };
}

/** 403 naming the first of `permissions` the caller lacks. */
export function permissionsRequired(...permissions: string[]): MiddlewareHandler<GatewayEnv> {
  return async function permissionsRequired(c, next) {
    requirePermissions(c.var.caller, permissions);
    await next();
  };
}
