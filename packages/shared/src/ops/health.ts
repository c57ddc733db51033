import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { Kafka } from "kafkajs";
import type { Db } from "mongodb";
import { metricsRegistry } from "../metrics.ts";

export type ReadinessCheck = () => Promise<void>;

/** Kafka, registry and MongoDB must answer for a service to be ready. */
export function dependencyChecks(deps: {
  kafka: Kafka;
  registryUrl: string;
  db: Db;
}): Record<string, ReadinessCheck> {
  return {
    kafka: async () => {
      const admin = deps.kafka.admin();
      await admin.connect();
      try {
        await admin.describeCluster();
      } finally {
        await admin.disconnect();
      }
    },
    registry: async () => {
      const response = await fetch(`${deps.registryUrl.replace(/\/$/, "")}/subjects`, {
        signal: AbortSignal.timeout(2000),
      });
      if (!response.ok) throw new Error(`registry answered ${response.status}`);
    },
    mongodb: async () => {
      await deps.db.command({ ping: 1 });
    },
  };
}

/** `/healthz` (alive), `/readyz` (every dependency answers, else 503) and `/metrics` (Prometheus). */
export function opsRoutes(checks: Record<string, ReadinessCheck>): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 3000);
          return [name, "ok"] as const;
        } catch (error) {
          return [name, (error as Error).message || "failed"] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result === "ok");
    return c.json(
      { status: ready ? "ready" : "not ready", checks: Object.fromEntries(results) },
      ready ? 200 : 503,
    );
  });
  app.get("/metrics", async (c) =>
    c.body(await metricsRegistry.metrics(), 200, { "content-type": metricsRegistry.contentType }),
  );
  return app;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

/** What `serveHttp` serves: a Hono app, or anything with its `fetch`. */
export type HttpApp = { fetch: (request: Request) => Response | Promise<Response> };

/** Serves an HTTP app (a worker's ops routes, the gateway's API) on loopback by default; resolves with the bound port. */
export function serveHttp(
  app: HttpApp,
  port: number,
  hostname = "127.0.0.1",
): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info) =>
      resolve({
        port: info.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}
