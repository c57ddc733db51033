// Turns the measurements of a run into figures, each beside its floor.
import { type RoundTrips, total } from "./counters.ts";
import type { DatabaseFloor } from "./floors/database.ts";
import type { HttpLoad } from "./http-load.ts";
import type { Service } from "./pipeline.ts";
import type { ReadRate } from "./rebuild.ts";
import { type Figure, figure, percentile } from "./report.ts";
import type { ConcurrentRun, SequentialRun } from "./runner.ts";

const kafkaFloor = "Kafka floor";
const httpFloor = "HTTP floor";

export function oneInstallFigures(pipeline: SequentialRun, floor: SequentialRun): Figure[] {
  return [
    figure({
      figure: "one install at a time, 202 → Success: p50",
      value: percentile(pipeline.latencies, 50),
      unit: "ms",
      floor: percentile(floor.latencies, 50),
      better: "lower",
      floorIs: kafkaFloor,
      note: `${pipeline.latencies.length} installs, each into a new tenant`,
      details: {
        p95: percentile(pipeline.latencies, 95),
        floorP95: percentile(floor.latencies, 95),
        samples: pipeline.latencies.length,
      },
    }),
  ];
}

export function concurrentFigures(
  installs: number,
  tenants: number,
  pipeline: ConcurrentRun,
  floor: ConcurrentRun,
): Figure[] {
  const label = `${installs} concurrent installs into ${tenants} tenants`;
  const latency = (p: number) =>
    figure({
      figure: `${label}: p${p} 202 → Success`,
      value: percentile(pipeline.latencies, p),
      unit: "ms",
      floor: percentile(floor.latencies, p),
      better: "lower",
      floorIs: kafkaFloor,
    });
  return [
    figure({
      figure: `${label}: throughput`,
      value: pipeline.installsPerMinute,
      unit: "installs/min",
      floor: floor.installsPerMinute,
      better: "higher",
      floorIs: kafkaFloor,
      details: { elapsedMs: pipeline.elapsedMs, floorElapsedMs: floor.elapsedMs },
    }),
    latency(50),
    latency(95),
  ];
}

export function httpFigures(label: string, gateway: HttpLoad, floor: HttpLoad): Figure[] {
  const details = { requests: gateway.requests, floorRequests: floor.requests };
  return [
    figure({
      figure: `POST → 202, ${label}: throughput`,
      value: gateway.perSecond,
      unit: "req/s",
      floor: floor.perSecond,
      better: "higher",
      floorIs: httpFloor,
      details,
    }),
    figure({
      figure: `POST → 202, ${label}: p50`,
      value: gateway.p50Ms,
      unit: "ms",
      floor: floor.p50Ms,
      better: "lower",
      floorIs: httpFloor,
    }),
    figure({
      figure: `POST → 202, ${label}: p95`,
      value: gateway.p95Ms,
      unit: "ms",
      floor: floor.p95Ms,
      better: "lower",
      floorIs: httpFloor,
    }),
  ];
}

export function rebuildFigure(rebuild: ReadRate & { installs: number }, raw: ReadRate): Figure {
  return figure({
    figure: "projection rebuild (pnpm ops replay-status)",
    value: rebuild.eventsPerSecond,
    unit: "events/s",
    floor: raw.eventsPerSecond,
    better: "higher",
    floorIs: "raw consume of the same topic",
    note: `${rebuild.events.toLocaleString("en")} events of ${rebuild.installs.toLocaleString("en")} installs`,
    details: {
      events: rebuild.events,
      installs: rebuild.installs,
      seconds: rebuild.seconds,
      rawSeconds: raw.seconds,
    },
  });
}

const mb = (bytes: number) => bytes / 1024 / 1024;

/** Peak RSS of each service beside the floor process in its place (the HTTP floor for the gateway). */
export function rssFigures(peaks: Map<string, number>, services: readonly Service[]): Figure[] {
  return services.map((service) => {
    const floorName = service === "gateway" ? "floor-http" : `floor-${service}`;
    return figure({
      figure: `peak RSS: ${service}`,
      value: mb(peaks.get(service) ?? Number.NaN),
      unit: "MB",
      floor: mb(peaks.get(floorName) ?? Number.NaN),
      better: "lower",
      floorIs: service === "gateway" ? "HTTP floor process" : `Kafka floor ${service} process`,
    });
  });
}

/** The database as the pipeline used it at saturation, beside what it does one operation at a time. */
export function databaseFigures(
  label: string,
  trips: RoundTrips,
  elapsedMs: number,
  db: DatabaseFloor,
): Figure[] {
  const commands = total(trips.mongo);
  return [
    figure({
      figure: `MongoDB commands/s, all services, during ${label}`,
      value: (commands / elapsedMs) * 1000,
      unit: "commands/s",
      floor: db.upsert.opsPerSecond,
      floorUnit: "upserts/s",
      better: "higher",
      floorIs: "database floor, sequential upserts",
      note: `finds alone: ${Math.round(db.find.opsPerSecond)}/s`,
      details: { commands, elapsedMs },
    }),
    figure({
      figure: `MongoDB command round trip, mean, during ${label}`,
      value: (trips.mongoSeconds / trips.mongoReplies) * 1000,
      unit: "ms",
      floor: db.upsert.meanMs,
      better: "lower",
      floorIs: "database floor, sequential upsert",
      note: `find: ${db.find.meanMs.toFixed(2)} ms`,
    }),
  ];
}

export interface RoundTripsPerInstall {
  /** Per service: what K installs cost, divided by K. */
  pipeline: Map<Service, RoundTrips>;
  /** Kafka requests per install of each Kafka-floor process, by API. */
  kafkaFloor: Map<string, Record<string, number>>;
  /** MongoDB commands per request of the HTTP floor (its one findOne). */
  httpFloorMongo: number;
  installs: number;
}

const breakdown = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([name, n]) => `${name} ${n.toFixed(1)}`)
    .join(", ");

/**
 * Per install and per service: MongoDB commands, Kafka produce requests and offset commits, beside what
 * the floors need for the same install (the Kafka floor's processes, the HTTP floor's one findOne).
 */
export function roundTripFigures(
  counts: RoundTripsPerInstall,
  services: readonly Service[],
  db: DatabaseFloor,
): Figure[] {
  const figures: Figure[] = [];
  const perInstall = "per install";
  const rows: {
    what: string;
    unit: string;
    value: (s: Service) => number;
    floor: (s: Service) => number;
    floorIs: (s: Service) => string;
    note?: (s: Service) => string;
  }[] = [
    {
      what: "MongoDB commands",
      unit: "commands",
      value: (s) => total(counts.pipeline.get(s)!.mongo),
      floor: (s) => (s === "gateway" ? counts.httpFloorMongo : 0),
      floorIs: (s) => (s === "gateway" ? httpFloor : `${kafkaFloor}: no database`),
      note: (s) => {
        const mongo = counts.pipeline.get(s)!.mongo;
        const ms = total(mongo) * db.upsert.p50Ms;
        return `${breakdown(mongo)}; ≈ ${Math.round(ms)} ms at the DB floor's ${db.upsert.p50Ms.toFixed(1)} ms`;
      },
    },
    {
      what: "Kafka produce requests",
      unit: "requests",
      value: (s) => counts.pipeline.get(s)!.kafka.Produce ?? 0,
      floor: (s) => counts.kafkaFloor.get(s)?.Produce ?? 0,
      floorIs: () => kafkaFloor,
    },
    {
      what: "Kafka offset commits",
      unit: "requests",
      value: (s) => counts.pipeline.get(s)!.kafka.OffsetCommit ?? 0,
      floor: (s) => counts.kafkaFloor.get(s)?.OffsetCommit ?? 0,
      floorIs: () => kafkaFloor,
    },
  ];
  for (const row of rows) {
    for (const service of services) {
      figures.push(
        figure({
          figure: `${row.what} ${perInstall}: ${service}`,
          value: row.value(service),
          unit: row.unit,
          floor: row.floor(service),
          better: "lower",
          floorIs: row.floorIs(service),
          ...(row.note ? { note: row.note(service) } : {}),
          details: {
            installs: counts.installs,
            kafka: counts.pipeline.get(service)!.kafka,
            mongo: counts.pipeline.get(service)!.mongo,
          },
        }),
      );
    }
    const sum = (f: (s: Service) => number) => services.reduce((acc, s) => acc + f(s), 0);
    figures.push(
      figure({
        figure: `${row.what} ${perInstall}: all services`,
        value: sum(row.value),
        unit: row.unit,
        floor: sum(row.floor),
        better: "lower",
        floorIs: row.what === "MongoDB commands" ? httpFloor : kafkaFloor,
      }),
    );
  }
  return figures;
}
