// Round trips read from a service's /metrics: INSTALLHUB_BENCH_COUNTERS makes packages/shared count
// every MongoDB command (driver command monitoring) and every Kafka request (kafkajs instrumentation).

/** Cumulative counts of one process: MongoDB commands by name, Kafka requests by API. */
export interface RoundTrips {
  mongo: Record<string, number>;
  /** Seconds spent waiting for MongoDB replies, and the number of replies. */
  mongoSeconds: number;
  mongoReplies: number;
  kafka: Record<string, number>;
}

export const emptyRoundTrips = (): RoundTrips => ({ mongo: {}, mongoSeconds: 0, mongoReplies: 0, kafka: {} });

const sampleLine = /^(\w+)\{(\w+)="([^"]*)"[^}]*\}\s+(\S+)/;

/** Parses the round-trip samples out of a Prometheus text exposition. */
export function parseRoundTrips(text: string): RoundTrips {
  const trips = emptyRoundTrips();
  for (const line of text.split("\n")) {
    const match = sampleLine.exec(line);
    if (!match) continue;
    const [, name, , label, raw] = match;
    const value = Number(raw);
    if (name === "installhub_mongo_commands_total") trips.mongo[label!] = value;
    else if (name === "installhub_mongo_command_duration_seconds_sum") trips.mongoSeconds += value;
    else if (name === "installhub_mongo_command_duration_seconds_count") trips.mongoReplies += value;
    else if (name === "installhub_kafka_request_duration_seconds_count") trips.kafka[label!] = value;
  }
  return trips;
}

/** Reads a service's round trips from its /metrics (the gateway's API port, a worker's OPS_PORT). */
export async function scrapeRoundTrips(metricsUrl: string): Promise<RoundTrips> {
  const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${metricsUrl} answered ${response.status}`);
  const trips = parseRoundTrips(await response.text());
  if (Object.keys(trips.kafka).length === 0)
    throw new Error(`${metricsUrl} has no round-trip counters: is INSTALLHUB_BENCH_COUNTERS set?`);
  return trips;
}

const subtract = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));

/** What happened between two readings of the same process. */
export function roundTripsBetween(before: RoundTrips, after: RoundTrips): RoundTrips {
  return {
    mongo: subtract(after.mongo, before.mongo),
    mongoSeconds: after.mongoSeconds - before.mongoSeconds,
    mongoReplies: after.mongoReplies - before.mongoReplies,
    kafka: subtract(after.kafka, before.kafka),
  };
}

export const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** Several processes' round trips added up. */
export function sumRoundTrips(list: readonly RoundTrips[]): RoundTrips {
  const add = (a: Record<string, number>, b: Record<string, number>) => {
    const sum = { ...a };
    for (const [key, n] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + n;
    return sum;
  };
  return list.reduce(
    (sum, trips) => ({
      mongo: add(sum.mongo, trips.mongo),
      mongoSeconds: sum.mongoSeconds + trips.mongoSeconds,
      mongoReplies: sum.mongoReplies + trips.mongoReplies,
      kafka: add(sum.kafka, trips.kafka),
    }),
    emptyRoundTrips(),
  );
}
