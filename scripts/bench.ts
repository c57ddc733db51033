// `npm run bench`: performance numbers live here, never in test assertions. Runs against the URLs in
// the environment or this checkout's local infrastructure (on INFRA_*_PORT; started if needed, and
// stopped again at the end if so).
import { performance } from "node:perf_hooks";
import { EventCodec, type InstallEvent } from "@installhub/shared";
import { exampleEvents, isolatedConfig, startEventBus, uniqueId, waitFor } from "@installhub/shared/testing";
import { reduceInstallStatus } from "../services/gateway/src/domain/install-status.ts";
import { installPath, startTestGateway } from "../services/gateway/test/harness.ts";
import { startStack } from "../test/e2e/stack.ts";
import { infraIsUp, infraUrls, runInfra } from "./lib/infra.ts";

const startedInfra =
  !(process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL && process.env.MONGO_URL) &&
  !infraIsUp("infra.sh");
if (startedInfra) runInfra("infra.sh", "up");
Object.assign(process.env, infraUrls());

const results: { benchmark: string; result: string }[] = [];
const rate = (count: number, ms: number, unit: string) =>
  `${Math.round((count / ms) * 1000).toLocaleString("en")} ${unit}/s`;
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

function lifecycle(tenantId: string): InstallEvent[] {
  const e = exampleEvents({ installId: uniqueId("mkt-install"), tenantId });
  const artifacts = [1, 2, 3, 4, 5].map((index) => ({ ...e.ArtifactInstalled, index }));
  return [
    e.InstallRequested,
    e.SecurityScanStarted,
    e.SecurityScanCompleted,
    e.ImportStarted,
    ...artifacts,
    e.InstallSucceeded,
  ];
}

// 1. The status reducer, pure CPU.
{
  const events = Array.from({ length: 10_000 }, (_, i) => lifecycle(`tenant-${i % 50}`)).flat();
  const start = performance.now();
  const states = new Map<string, ReturnType<typeof reduceInstallStatus>>();
  for (const event of events)
    states.set(event.installId, reduceInstallStatus(states.get(event.installId), event));
  results.push({
    benchmark: `status reducer (${events.length.toLocaleString("en")} events)`,
    result: rate(events.length, performance.now() - start, "events"),
  });
}

const config = isolatedConfig("bench");

// 2. Encoding and decoding with the registry (schemas cached after the first use).
{
  const codec = new EventCodec(config.SCHEMA_REGISTRY_URL, config.INSTALL_EVENTS_TOPIC);
  await codec.register();
  const events = Array.from({ length: 1000 }, (_, i) => lifecycle(`tenant-${i % 50}`)).flat();
  const start = performance.now();
  for (const event of events) await codec.decode(await codec.encode(event));
  results.push({
    benchmark: `encode + validate + decode (${events.length.toLocaleString("en")} events)`,
    result: rate(events.length, performance.now() - start, "events"),
  });
}

// 3. Publishing with acks=all, idempotent, batches of 100.
{
  const bus = await startEventBus(config);
  const events = Array.from({ length: 500 }, (_, i) => lifecycle(`tenant-${i % 50}`)).flat();
  const start = performance.now();
  for (let i = 0; i < events.length; i += 100) await bus.publisher.publish(events.slice(i, i + 100));
  results.push({
    benchmark: `publish acks=all (${events.length.toLocaleString("en")} events, batches of 100)`,
    result: rate(events.length, performance.now() - start, "events"),
  });
  await bus.close();
}

// 4. The gateway alone: authenticate, validate, resolve the version, publish (acks=all), write the
//    initial status, answer 202. No worker runs, so nothing else competes for the CPU.
{
  const gateway = await startTestGateway("bench-gateway", { silent: true });
  const token = await gateway.token({ tenants: ["bench-tenant"] });
  const accepts = 300;
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < accepts; i++) {
    const begun = performance.now();
    await gateway.call("POST", installPath("acme-invoice-workflows"), {
      token,
      body: { targetTenantId: "bench-tenant" },
    });
    latencies.push(performance.now() - begun);
  }
  results.push({
    benchmark: `POST install → 202 (${accepts} sequential)`,
    result: rate(accepts, performance.now() - start, "requests"),
  });
  results.push({
    benchmark: "  latency p50 / p95",
    result: `${percentile(latencies, 50).toFixed(1)} ms / ${percentile(latencies, 95).toFixed(1)} ms`,
  });
  await gateway.close();
}

// 5. End to end: concurrent installs through gateway, scanner, installer and notifier, all four in
//    this one Node process (so one event loop: production runs them as separate processes).
{
  const stack = await startStack("bench-e2e");
  const installs = 40;
  const tenants = Array.from({ length: 10 }, (_, i) => `bench-tenant-${i}`);
  const token = await stack.token({ tenants });
  const start = performance.now();
  const latencies = await Promise.all(
    Array.from({ length: installs }, async (_, i) => {
      const begun = performance.now();
      const accepted = await stack.call("POST", installPath("acme-invoice-workflows"), {
        token,
        body: { targetTenantId: tenants[i % tenants.length], defaultConflictStrategy: "Overwrite" },
      });
      if (accepted.status !== 202) throw new Error(`install answered ${accepted.status}`);
      await waitFor(
        async () => (await stack.call("GET", accepted.body.statusUrl, { token })).body.status === "Success",
        { timeoutMs: 300_000, intervalMs: 50, what: "install success" },
      );
      return performance.now() - begun;
    }),
  );
  const elapsed = performance.now() - start;
  results.push({
    benchmark: `end to end, ${installs} concurrent installs of 5 artifacts into 10 tenants (3 partitions)`,
    result: `${rate(installs * 60, elapsed, "installs").replace("/s", "/min")}`,
  });
  results.push({
    benchmark: "  202 → Success latency p50 / p95",
    result: `${Math.round(percentile(latencies, 50))} ms / ${Math.round(percentile(latencies, 95))} ms`,
  });
  await stack.close();
}

console.table(results);
if (startedInfra) runInfra("infra.sh", "down");
process.exit(0);
