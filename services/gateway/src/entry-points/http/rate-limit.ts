import { AppError } from "@installhub/shared";
import type { MiddlewareHandler } from "hono";
import { rateLimiter } from "hono-rate-limiter";
import type { GatewayEnv } from "./context.ts";

/**
 * At most `perMinute` requests per caller (`sub`) per minute on this gateway instance, else 429
 * `RateLimited` with `Retry-After` (OWASP API4:2023, unrestricted resource consumption). A fixed
 * window in memory (hono-rate-limiter): several gateway instances each allow `perMinute`.
 * `perMinute` 0 turns it off.
 */
export function installRatePerCaller(perMinute: number): MiddlewareHandler<GatewayEnv> {
  if (perMinute <= 0) return async (_c, next) => next();
  return rateLimiter<GatewayEnv>({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: "draft-6",
    keyGenerator: (c) => c.var.caller.sub,
    handler: (c) => {
      const reset = c.get("rateLimit" as never) as { resetTime?: Date } | undefined;
      const retryAfterSeconds = reset?.resetTime ? (reset.resetTime.getTime() - Date.now()) / 1000 : 60;
      throw new AppError("RateLimited", `More than ${perMinute} install requests in a minute; slow down`, {
        retryAfterSeconds,
      });
    },
  });
}
