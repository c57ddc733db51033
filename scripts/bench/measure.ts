// The figures of `pnpm bench`, phase by phase. For each figure the pipeline is measured first and its
// floor right after, so both see the same neighbours on a shared machine.
import { cpus, totalmem } from "node:os";
import { catalogCollections } from "@installhub/shared";
import type { BenchRun } from "./context.ts";
import {
  emptyRoundTrips,
  type RoundTrips,
  roundTripsBetween,
  scrapeRoundTrips,
  sumRoundTrips,
} from "./counters.ts";
import {
  concurrentFigures,
  databaseFigures,
  httpFigures,
  oneInstallFigures,
  type RoundTripsPerInstall,
  rebuildFigure,
  roundTripFigures,
  rssFigures,
} from "./figures.ts";
import { type DatabaseFloor, measureDatabaseFloor } from "./floors/database.ts";
import type { StartHttpService } from "./floors/http-service.ts";
import { type KafkaFloor, startKafkaFloor } from "./floors/kafka-floor.ts";
import { toWireMessage } from "./floors/wire.ts";
import { postLoad } from "./http-load.ts";
import { groupsWithPrefix, waitUntilQuiet } from "./kafka.ts";
import { type Pipeline, type Service, startPipeline } from "./pipeline.ts";
import { ask, type Child, forkNode } from "./processes.ts";
import { describePattern, type PublishPattern, publishPatternOf } from "./publish-pattern.ts";
import { projectionRebuild, rawConsume } from "./rebuild.ts";
import type { Figure } from "./report.ts";
import { runConcurrent, runSequential, tenantsOf } from "./runner.ts";

const services: readonly Service[] = ["gateway", "scanner", "installer", "notifier"];

/** The pipeline and everything measured beside it, once started. */
interface Stage {
  pipeline: Pipeline;
  /** Waits until every pipeline group (or those given) has committed the end of the topic. */
  quiet(groupIds?: string[]): Promise<void>;
  projector: string | undefined;
  pattern: PublishPattern;
  floor: KafkaFloor;
  floorQuiet(): Promise<void>;
  httpFloor: { child: Child; port: Promise<number> };
}

/**
 * Runs every phase and returns the figures.
 *
 * @example
 * console.log(markdownTable(await measure(run)));
 */
export async function measure(run: BenchRun): Promise<Figure[]> {
  const { plan, config, log } = run;
  log(
    `${cpus().length} CPUs (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; topic ${config.INSTALL_EVENTS_TOPIC}`,
  );
  log(`database floor: ${plan.dbOperations} sequential upserts and finds`);
  const dbFloor = await measureDatabaseFloor(config.MONGO_URL, `${config.MONGO_DB}_floor`, plan.dbOperations);
  const stage = await setUp(run);

  const figures: Figure[] = [];
  figures.push(...(await oneAtATime(run, stage)));
  const roundTrips = await countRoundTrips(run, stage);
  let saturation: { label: string; trips: RoundTrips; elapsedMs: number } | undefined;
  for (const [installs, tenants] of plan.concurrent) {
    const concurrent = await concurrently(run, stage, installs, tenants);
    figures.push(...concurrent.figures);
    saturation = concurrent.saturation;
  }
  figures.push(await rebuild(run));
  const http = await postToAccept(run, stage);
  figures.push(...http.figures);

  figures.push(...rssFigures(run.rss.peaks(), services));
  if (saturation)
    figures.push(...databaseFigures(saturation.label, saturation.trips, saturation.elapsedMs, dbFloor));
  figures.push(
    ...roundTripFigures({ ...roundTrips, httpFloorMongo: http.mongoPerRequest }, services, dbFloor),
  );
  logDatabaseFloor(run, dbFloor);
  return figures;
}

/** Starts the pipeline, calibrates the Kafka floor on one real install, starts the floors. */
async function setUp(run: BenchRun): Promise<Stage> {
  const { config, admin, log, made, plan } = run;
  const topic = config.INSTALL_EVENTS_TOPIC;
  log("starting the pipeline: dev CDN, SMTP sink, gateway, scanner, installer, notifier");
  made.topics.add(topic).add(config.DLQ_TOPIC);
  const pipeline = await startPipeline(config, run.runDir, { stallMs: plan.stallMs });
  run.cleanups.push(() => pipeline.stop());
  made.groups.add(pipeline.followerGroupId);
  for (const service of services) run.rss.track(service, pipeline.services[service].child.pid);

  log("calibration: one install, read back from the topic");
  const calibration = await pipeline.start("bench-calibrate-000");
  await calibration.succeeded;
  const groups = await groupsWithPrefix(admin, topic);
  const groupIds = groups.map((group) => `${topic}.${group}`);
  for (const id of groupIds) made.groups.add(id);
  const projector = groupIds.find((id) => id.endsWith(".gateway-projector"));
  if (projector) pipeline.followProjector(projector);
  const quiet = (ids = groupIds) => waitUntilQuiet(admin, topic, ids, { stallMs: plan.stallMs });
  await quiet();
  const pattern = await publishPatternOf(run.kafka, topic, calibration.installId);
  for (const line of describePattern(pattern)) log(`  ${line}`);

  const floorTopic = `${run.prefix}.kafka-floor`;
  log(`Kafka floor: groups ${groups.join(", ")} on ${floorTopic}`);
  made.topics.add(floorTopic);
  for (const group of groups) made.groups.add(`${floorTopic}.${group}`);
  const floor = await startKafkaFloor({
    admin,
    brokers: config.KAFKA_BROKERS,
    topic: floorTopic,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    groups,
    pattern,
    runDir: run.runDir,
    stallMs: plan.stallMs,
  });
  run.cleanups.push(() => floor.stop());
  for (const [service, pid] of floor.pids) run.rss.track(`floor-${service}`, pid);
  const httpFloor = await startHttpFloor(run, pipeline, pattern);
  const floorQuiet = () => waitUntilQuiet(admin, floor.topic, floor.groupIds, { stallMs: plan.stallMs });
  await (await floor.start("bench-calibrate-000")).succeeded;
  await floorQuiet();
  return { pipeline, quiet, projector, pattern, floor, floorQuiet, httpFloor };
}

/**
 * Forks the HTTP floor now, so that its start overlaps with the measurements that follow; it idles
 * until the HTTP figures.
 */
async function startHttpFloor(run: BenchRun, pipeline: Pipeline, pattern: PublishPattern) {
  const { config } = run;
  const topic = `${run.prefix}.http-floor`;
  run.made.topics.add(topic);
  await run.admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: config.KAFKA_TOPIC_PARTITIONS,
        replicationFactor: config.KAFKA_REPLICATION_FACTOR,
      },
    ],
    waitForLeaders: true,
  });
  const child = forkNode({
    name: "floor-http",
    script: "scripts/bench/floors/http-service.ts",
    runDir: run.runDir,
  });
  run.cleanups.push(() => ask(child, { type: "stop" }, "stopped", 15_000).catch(() => child.stop()));
  run.rss.track("floor-http", child.pid);
  const start: StartHttpService = {
    type: "start",
    brokers: config.KAFKA_BROKERS,
    topic,
    mongoUrl: config.MONGO_URL,
    dbName: config.MONGO_DB,
    collection: catalogCollections.packages,
    publicKeyPem: pipeline.publicKeyPem,
    algorithms: (process.env.AUTH_ALGORITHMS ?? "EdDSA,ES256,RS256").split(","), // the gateway's default
    installRequested: toWireMessage(pattern.accepted[0]![0]!),
  };
  const port = ask<{ port: number }>(child, start, "started").then((reply) => reply.port);
  port.catch(() => undefined); // awaited before the HTTP figures
  return { child, port };
}

async function oneAtATime(run: BenchRun, stage: Stage): Promise<Figure[]> {
  run.log(`one install at a time: ${run.plan.sequential} installs, each into a new tenant`);
  const tenants = tenantsOf("one", run.plan.sequential);
  const pipeline = await runSequential(stage.pipeline, tenants);
  await stage.quiet();
  const floor = await runSequential(stage.floor, tenants);
  await stage.floorQuiet();
  return oneInstallFigures(pipeline, floor);
}

/**
 * Round trips per install: installs started at once, one tenant each, followed on the topic only (no
 * status request, so every counted command is the pipeline's own) until every group has committed the
 * end of the topic.
 */
async function countRoundTrips(
  run: BenchRun,
  stage: Stage,
): Promise<Omit<RoundTripsPerInstall, "httpFloorMongo">> {
  const installs = run.plan.counted;
  run.log(`round trips: ${installs} installs counted on each service's /metrics`);
  const tenants = tenantsOf("count", installs);
  const before = await scrapeAll(stage.pipeline);
  await runConcurrent(stage.pipeline.unpolled, installs, tenants);
  await stage.quiet();
  const after = await scrapeAll(stage.pipeline);
  const floorBefore = await stage.floor.requests();
  await runConcurrent(stage.floor, installs, tenants);
  await stage.floorQuiet();
  const floorAfter = await stage.floor.requests();

  const perInstall = (counts: Record<string, number>) =>
    Object.fromEntries(Object.entries(counts).map(([key, n]) => [key, n / installs]));
  const floorBetween = (service: string, counts: Record<string, number>) =>
    roundTripsBetween(
      { ...emptyRoundTrips(), kafka: floorBefore.get(service) ?? {} },
      { ...emptyRoundTrips(), kafka: counts },
    ).kafka;
  return {
    installs,
    pipeline: new Map(
      services.map((s) => {
        const trips = roundTripsBetween(before.get(s)!, after.get(s)!);
        return [s, { ...trips, mongo: perInstall(trips.mongo), kafka: perInstall(trips.kafka) }];
      }),
    ),
    kafkaFloor: new Map([...floorAfter].map(([s, counts]) => [s, perInstall(floorBetween(s, counts))])),
  };
}

async function concurrently(run: BenchRun, stage: Stage, installs: number, tenantCount: number) {
  const label = `${installs} concurrent installs into ${tenantCount} tenants`;
  const tenants = tenantsOf(`n${installs}`, tenantCount);
  run.log(`${label}: the pipeline`);
  const before = await scrapeAll(stage.pipeline);
  const refusedBefore = stage.pipeline.refusals();
  const pipeline = await runConcurrent(stage.pipeline, installs, tenants);
  const after = await scrapeAll(stage.pipeline);
  const refused = stage.pipeline.refusals() - refusedBefore;
  await stage.quiet();
  run.log(
    `${label}: ${Math.round(pipeline.installsPerMinute)} installs/min (${refused} POSTs answered 503/429 and sent again after Retry-After); the Kafka floor`,
  );
  const floor = await runConcurrent(stage.floor, installs, tenants);
  await stage.floorQuiet();
  run.log(`${label}: floor ${Math.round(floor.installsPerMinute)} installs/min`);
  const trips = sumRoundTrips(services.map((s) => roundTripsBetween(before.get(s)!, after.get(s)!)));
  return {
    figures: concurrentFigures(installs, tenantCount, pipeline, floor),
    saturation: { label: `(${installs}, ${tenantCount})`, trips, elapsedMs: pipeline.elapsedMs },
  };
}

async function rebuild(run: BenchRun): Promise<Figure> {
  run.log("projection rebuild against a raw read of the same topic");
  const raw = await rawConsume(run.config);
  return rebuildFigure(await projectionRebuild(run.config, run.db), raw);
}

/**
 * POST → 202 with autocannon: the gateway alone (the workers are stopped first, so only the gateway's
 * HTTP side and its projector run), then the HTTP floor; one client, then 32.
 */
async function postToAccept(run: BenchRun, stage: Stage) {
  const { plan } = run;
  run.log("POST → 202: the gateway alone (workers stopped) and the HTTP floor");
  const workersStopped = stage.pipeline.stopWorkers();
  const port = await stage.httpFloor.port;
  const tenant = "bench-http-000";
  const token = await stage.pipeline.token(tenant);
  const { path, body } = stage.pipeline.installRequest(tenant);
  const gateway = `${stage.pipeline.gatewayUrl}${path}`;
  const floor = `http://127.0.0.1:${port}${path}`;
  const projectorQuiet = () => stage.quiet(stage.projector ? [stage.projector] : []);
  const load = async (url: string, connections: number, size: { amount?: number; seconds?: number }) => {
    const result = await postLoad({ url, token, body, connections, ...size });
    await projectorQuiet(); // the gateway's projector has caught up before the next load starts
    return result;
  };
  // Warm-ups while the workers stop: nothing is measured until they have.
  await postLoad({ url: gateway, token, body, connections: 1, amount: plan.httpWarmUp });
  await postLoad({ url: floor, token, body, connections: 1, amount: plan.httpWarmUp });
  await workersStopped;
  await projectorQuiet();

  type Counts = { mongoCommands: number; accepted: number };
  const floorCounts = () => ask<Counts>(stage.httpFloor.child, { type: "counts" }, "counts");
  const countsBefore = await floorCounts();
  const sequential = await load(gateway, 1, { amount: plan.httpSequential });
  const sequentialFloor = await load(floor, 1, { amount: plan.httpSequential });
  const countsAfter = await floorCounts();
  const concurrent = await load(gateway, 32, { seconds: plan.httpSeconds });
  const concurrentFloor = await load(floor, 32, { seconds: plan.httpSeconds });
  return {
    figures: [
      ...httpFigures("sequential", sequential, sequentialFloor),
      ...httpFigures("32 concurrent clients", concurrent, concurrentFloor),
    ],
    mongoPerRequest:
      (countsAfter.mongoCommands - countsBefore.mongoCommands) /
      (countsAfter.accepted - countsBefore.accepted),
  };
}

function scrapeAll(pipeline: Pipeline): Promise<Map<Service, RoundTrips>> {
  return Promise.all(
    services.map(async (s) => [s, await scrapeRoundTrips(pipeline.services[s].metricsUrl)] as const),
  ).then((entries) => new Map(entries));
}

function logDatabaseFloor(run: BenchRun, db: DatabaseFloor): void {
  const { upsert, find } = db;
  run.log(
    `database floor: upsert p50 ${upsert.p50Ms.toFixed(2)} ms (${Math.round(upsert.opsPerSecond)}/s), find p50 ${find.p50Ms.toFixed(2)} ms (${Math.round(find.opsPerSecond)}/s)`,
  );
}
