// The install runs of the bench, written once and run against both the real pipeline and the Kafka
// floor, so both are measured the same way.
import { performance } from "node:perf_hooks";

/** Something installs can be started on: the real pipeline (HTTP) or the Kafka floor. */
export interface InstallTarget {
  /**
   * Starts one install into `tenant`; resolves once it is accepted (202, or the publish acknowledged)
   * with the time of acceptance and a promise of the time it succeeded (performance.now ms).
   */
  start(tenant: string): Promise<{ installId: string; acceptedAt: number; succeeded: Promise<number> }>;
}

export interface SequentialRun {
  /** Accepted → Success of each install, ms. */
  latencies: number[];
}

export interface ConcurrentRun extends SequentialRun {
  /** From the first request to the last Success, ms. */
  elapsedMs: number;
  installsPerMinute: number;
}

/** One install after the other, each into its own tenant of `tenants`. */
export async function runSequential(
  target: InstallTarget,
  tenants: readonly string[],
): Promise<SequentialRun> {
  const latencies: number[] = [];
  for (const tenant of tenants) {
    const { acceptedAt, succeeded } = await target.start(tenant);
    latencies.push((await succeeded) - acceptedAt);
  }
  return { latencies };
}

/** `installs` installs started at once, spread round-robin over `tenants`. */
export async function runConcurrent(
  target: InstallTarget,
  installs: number,
  tenants: readonly string[],
): Promise<ConcurrentRun> {
  const begun = performance.now();
  const started = await Promise.all(
    Array.from({ length: installs }, (_, i) => target.start(tenants[i % tenants.length]!)),
  );
  const finished = await Promise.all(started.map((s) => s.succeeded));
  const elapsedMs = Math.max(...finished) - begun;
  return {
    latencies: started.map((s, i) => finished[i]! - s.acceptedAt),
    elapsedMs,
    installsPerMinute: (installs / elapsedMs) * 60_000,
  };
}

/** Tenant ids of one figure: the same names for the pipeline and its floor, so the same partitions. */
export const tenantsOf = (label: string, count: number) =>
  Array.from({ length: count }, (_, i) => `bench-${label}-${String(i).padStart(3, "0")}`);
