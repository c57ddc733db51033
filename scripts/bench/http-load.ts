// POST → 202 under load, with autocannon: the same request against the gateway and the HTTP floor.
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { percentile } from "./report.ts";

export interface HttpLoad {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
}

/**
 * `connections` clients each sending the request again as soon as the previous one is answered, for
 * `amount` requests in all or for `seconds`. Any answer other than 202 fails the run.
 *
 * @example
 * const sequential = await postLoad({ url, token, body, connections: 1, amount: 300 });
 */
export async function postLoad(options: {
  url: string;
  token: string;
  body: string;
  connections: number;
  amount?: number;
  seconds?: number;
}): Promise<HttpLoad> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const begun = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: "POST",
        headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" },
        body: options.body,
        connections: options.connections,
        pipelining: 1,
        timeout: 30,
        ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 10 }),
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
      latencies.push(responseTime);
    });
  });
  // autocannon reports whole seconds for a run of `amount` requests: the wall clock is taken here.
  const seconds = (performance.now() - begun) / 1000;
  const accepted = statuses.get(202) ?? 0;
  if (accepted !== latencies.length || result.errors > 0)
    throw new Error(
      `${options.url}: answers ${JSON.stringify(Object.fromEntries(statuses))}, ${result.errors} errors (expected only 202)`,
    );
  return {
    requests: accepted,
    perSecond: accepted / seconds,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
  };
}
