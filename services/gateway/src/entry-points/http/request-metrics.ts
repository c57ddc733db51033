import { metricsRegistry } from "@installhub/shared";
import type { MiddlewareHandler } from "hono";
import { Histogram } from "prom-client";

export const httpRequestDuration = new Histogram({
  name: "installhub_http_request_duration_seconds",
  help: "Time the gateway took to answer, by method, route pattern and status",
  labelNames: ["method", "route", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** Times every request; the route label is the matched pattern, so ids never explode the label set. */
export function requestMetrics(): MiddlewareHandler {
  return async function requestMetrics(c, next) {
    const end = httpRequestDuration.startTimer();
    try {
      await next();
    } finally {
      end({ method: c.req.method, route: c.req.routePath, status: String(c.res.status) });
    }
  };
}
