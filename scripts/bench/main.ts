// `pnpm bench [--quick] [--json <file>]`, `pnpm bench --profile`: performance figures of the install
// pipeline, each beside a floor measured in the same run (docs/performance.md explains each). The
// pipeline runs as production runs it — four service processes — on topics, consumer groups, a database
// and ports of its own, so it runs beside `pnpm start` and beside tests on the same infrastructure.
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type BaseConfig, catalogCollections, connectMongo, repositoryRoot } from "@installhub/shared";
import { isolatedConfig } from "@installhub/shared/testing";
import type { Admin } from "kafkajs";
import { opsKafka } from "../ops/kafka-admin.ts";
import { emptyRoundTrips, type RoundTrips, roundTripsBetween, scrapeRoundTrips } from "./counters.ts";
import {
  concurrentFigures,
  databaseFigures,
  httpFigures,
  oneInstallFigures,
  rebuildFigure,
  roundTripFigures,
  rssFigures,
} from "./figures.ts";
import { measureDatabaseFloor } from "./floors/database.ts";
import type { StartHttpService } from "./floors/http-service.ts";
import { type KafkaFloor, startKafkaFloor } from "./floors/kafka-floor.ts";
import { toWireMessage } from "./floors/wire.ts";
import { postLoad } from "./http-load.ts";
import { deleteTopicsAndGroups, groupsWithPrefix, waitUntilQuiet } from "./kafka.ts";
import { type Service, startPipeline } from "./pipeline.ts";
import { ensureInfrastructure } from "./preflight.ts";
import { ask, forkNode, startRssSampler } from "./processes.ts";
import { profileOneInstall } from "./profile.ts";
import { describePattern, publishPatternOf } from "./publish-pattern.ts";
import { projectionRebuild, rawConsume } from "./rebuild.ts";
import { type Figure, markdownTable, writeJson } from "./report.ts";
import { runConcurrent, runSequential, tenantsOf } from "./runner.ts";

const usage = `usage: pnpm bench [--quick] [--json <file>]   figures beside same-run floors (full: ~8 min; --quick: < 60 s)
       pnpm bench --profile                    CPU profile of the services over sequential installs`;

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    profile: { type: "boolean", default: false },
    "keep-logs": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log(usage);
  process.exit(0);
}

/** How much each figure measures: the full run, and a quick one that exercises every path (CI). */
interface Plan {
  /** One install at a time: how many (the figure is their p50). */
  sequential: number;
  /** Installs whose round trips are counted (concurrent, one tenant each). */
  counted: number;
  /** (installs, tenants) started at once. */
  concurrent: [installs: number, tenants: number][];
  dbOperations: number;
  httpWarmUp: number;
  httpSequential: number;
  /** How long 32 clients POST. */
  httpSeconds: number;
  /** Waits fail once nothing has moved on the topic for this long (a hang, not a slow machine). */
  stallMs: number;
}
const plan: Plan = args.quick
  ? {
      sequential: 3,
      counted: 3,
      concurrent: [[4, 2]],
      dbOperations: 100,
      httpWarmUp: 5,
      httpSequential: 20,
      httpSeconds: 2,
      stallMs: 60_000,
    }
  : {
      sequential: 20,
      counted: 10,
      concurrent: [
        [40, 10],
        [400, 100],
      ],
      dbOperations: 500,
      httpWarmUp: 20,
      httpSequential: 300,
      httpSeconds: 10,
      stallMs: 3 * 60_000,
    };

const services: readonly Service[] = ["gateway", "scanner", "installer", "notifier"];
const began = performance.now();
const elapsed = () => `${((performance.now() - began) / 1000).toFixed(0)}s`;
const log = (message: string) => process.stderr.write(`[bench ${elapsed()}] ${message}\n`);

await ensureInfrastructure(repositoryRoot);
// Topics, consumer groups (`<topic>.<service>`) and database of this run only.
const config: BaseConfig = { ...isolatedConfig("installhub-bench"), KAFKA_GROUP_PREFIX: undefined };
const prefix = config.INSTALL_EVENTS_TOPIC.replace(/\.install-events$/, "");
const runDir = await mkdtemp(join(tmpdir(), "installhub-bench-"));
const kafka = opsKafka(config);
const admin: Admin = kafka.admin();
await admin.connect();
const mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB);
const rss = startRssSampler();
/** What the run started (stopped at the end) and made on the broker (deleted once everything stopped). */
const cleanups: (() => Promise<unknown>)[] = [];
const made = { topics: new Set<string>(), groups: new Set<string>() };
let failed = false;

let cleaning: Promise<void> | undefined;
/** Once, however often it is called (an interrupt and the failure it causes both call it). */
const cleanUp = () => {
  cleaning ??= stopAndDelete();
  return cleaning;
};
async function stopAndDelete(): Promise<void> {
  // Independent, and each kafkajs consumer may take a fetch's wait (5 s) to leave: all at once.
  await Promise.all(
    cleanups.splice(0).map((cleanup) => cleanup().catch((error) => log(`cleanup: ${error}`))),
  );
  await deleteTopicsAndGroups(admin, [...made.topics], [...made.groups]).catch((error) =>
    log(`cleanup: ${error}`),
  );
  rss.stop();
  await mongo.db.dropDatabase().catch(() => undefined);
  await mongo.close();
  await admin.disconnect();
  if (failed || args["keep-logs"]) log(`service logs kept in ${runDir}`);
  else await rm(runDir, { recursive: true, force: true });
}
process.once("SIGINT", () => {
  log("interrupted; stopping what the bench started");
  failed = true;
  void cleanUp().finally(() => process.exit(130));
});

try {
  if (args.profile) {
    console.log(await profileOneInstall({ config, runDir, admin, log, cleanups, made, installs: 20 }));
  } else {
    const figures = await measure();
    console.log(`\n${markdownTable(figures)}\n`);
    const run = { at: new Date().toISOString(), mode: args.quick ? "quick" : "full" };
    if (args.json) {
      const file = resolve(process.env.INIT_CWD ?? process.cwd(), args.json);
      await writeJson(file, figures, run);
      log(`wrote ${figures.length} figures to ${file}`);
    }
  }
} catch (error) {
  failed = true;
  log(`failed: ${(error as Error).stack ?? error}`);
} finally {
  await cleanUp();
  log(`done in ${elapsed()}`);
}
process.exit(failed ? 1 : 0);

async function measure(): Promise<Figure[]> {
  log(
    `${cpus().length} CPUs (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; ${args.quick ? "quick" : "full"} run; topic ${config.INSTALL_EVENTS_TOPIC}`,
  );

  log(`database floor: ${plan.dbOperations} sequential upserts and finds`);
  const dbFloor = await measureDatabaseFloor(config.MONGO_URL, `${config.MONGO_DB}_floor`, plan.dbOperations);

  log("starting the pipeline: dev CDN, SMTP sink, gateway, scanner, installer, notifier");
  made.topics.add(config.INSTALL_EVENTS_TOPIC).add(config.DLQ_TOPIC);
  const pipeline = await startPipeline(config, runDir, { stallMs: plan.stallMs });
  cleanups.push(() => pipeline.stop());
  made.groups.add(pipeline.watcherGroupId);
  for (const service of services) rss.track(service, pipeline.services[service].child.pid);
  const topic = config.INSTALL_EVENTS_TOPIC;

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
  const pattern = await publishPatternOf(kafka, topic, calibration.installId);
  for (const line of describePattern(pattern)) log(`  ${line}`);

  log(`Kafka floor: groups ${groups.join(", ")} on ${prefix}.kafka-floor`);
  made.topics.add(`${prefix}.kafka-floor`);
  for (const group of groups) made.groups.add(`${prefix}.kafka-floor.${group}`);
  const floor: KafkaFloor = await startKafkaFloor({
    admin,
    brokers: config.KAFKA_BROKERS,
    topic: `${prefix}.kafka-floor`,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    groups,
    pattern,
    runDir,
    stallMs: plan.stallMs,
  });
  cleanups.push(() => floor.stop());
  const httpTopic = `${prefix}.http-floor`;
  made.topics.add(httpTopic);
  await admin.createTopics({
    topics: [
      {
        topic: httpTopic,
        numPartitions: config.KAFKA_TOPIC_PARTITIONS,
        replicationFactor: config.KAFKA_REPLICATION_FACTOR,
      },
    ],
    waitForLeaders: true,
  });
  const httpFloor = forkNode({ name: "floor-http", script: "scripts/bench/floors/http-service.ts", runDir });
  cleanups.push(() => ask(httpFloor, { type: "stop" }, "stopped", 15_000).catch(() => httpFloor.stop()));
  const start: StartHttpService = {
    type: "start",
    brokers: config.KAFKA_BROKERS,
    topic: httpTopic,
    mongoUrl: config.MONGO_URL,
    dbName: config.MONGO_DB,
    collection: catalogCollections.packages,
    publicKeyPem: pipeline.publicKeyPem,
    // The gateway's AUTH_ALGORITHMS default.
    algorithms: (process.env.AUTH_ALGORITHMS ?? "EdDSA,ES256,RS256").split(","),
    installRequested: toWireMessage(pattern.accepted[0]![0]!),
  };
  // Started now, so that its start overlaps with the measurements that follow; it idles until the HTTP figures.
  const httpFloorStarted = ask<{ port: number }>(httpFloor, start, "started");
  httpFloorStarted.catch(() => undefined);
  rss.track("floor-http", httpFloor.pid);

  for (const [service, pid] of floor.pids) rss.track(`floor-${service}`, pid);
  const floorQuiet = () => waitUntilQuiet(admin, floor.topic, floor.groupIds, { stallMs: plan.stallMs });
  await (await floor.start("bench-calibrate-000")).succeeded;
  await floorQuiet();

  const figures: Figure[] = [];
  log(`one install at a time: ${plan.sequential} installs, each into a new tenant`);
  const oneTenants = tenantsOf("one", plan.sequential);
  const one = await runSequential(pipeline, oneTenants);
  await quiet();
  const oneFloor = await runSequential(floor, oneTenants);
  await floorQuiet();
  figures.push(...oneInstallFigures(one, oneFloor));

  log(`round trips: ${plan.counted} installs counted on each service's /metrics`);
  const countTenants = tenantsOf("count", plan.counted);
  const scrapeAll = async () =>
    new Map(
      await Promise.all(
        services.map(async (s) => [s, await scrapeRoundTrips(pipeline.services[s].metricsUrl)] as const),
      ),
    );
  const before = await scrapeAll();
  await runConcurrent(pipeline.unpolled, plan.counted, countTenants);
  await quiet();
  const after = await scrapeAll();
  const floorBefore = await floor.requests();
  await runConcurrent(floor, plan.counted, countTenants);
  await floorQuiet();
  const floorAfter = await floor.requests();
  const perInstall = (counts: Record<string, number>) =>
    Object.fromEntries(Object.entries(counts).map(([key, n]) => [key, n / plan.counted]));
  const pipelineTrips = new Map(
    services.map((s) => {
      const trips = roundTripsBetween(before.get(s)!, after.get(s)!);
      return [s, { ...trips, mongo: perInstall(trips.mongo), kafka: perInstall(trips.kafka) }] as const;
    }),
  );
  const floorTrips = new Map(
    [...floorAfter].map(([s, counts]) => [
      s,
      perInstall(
        roundTripsBetween(
          { ...emptyRoundTrips(), kafka: floorBefore.get(s) ?? {} },
          { ...emptyRoundTrips(), kafka: counts },
        ).kafka,
      ),
    ]),
  );

  let saturation: { label: string; trips: RoundTrips; elapsedMs: number } | undefined;
  for (const [installs, tenantCount] of plan.concurrent) {
    const label = `${installs} concurrent installs into ${tenantCount} tenants`;
    const tenants = tenantsOf(`n${installs}`, tenantCount);
    log(`${label}: the pipeline`);
    const totalBefore = await scrapeAll();
    const run = await runConcurrent(pipeline, installs, tenants);
    const totalAfter = await scrapeAll();
    await quiet();
    log(`${label}: ${Math.round(run.installsPerMinute)} installs/min; the Kafka floor`);
    const floorRun = await runConcurrent(floor, installs, tenants);
    await floorQuiet();
    log(`${label}: floor ${Math.round(floorRun.installsPerMinute)} installs/min`);
    figures.push(...concurrentFigures(installs, tenantCount, run, floorRun));
    const trips = services
      .map((s) => roundTripsBetween(totalBefore.get(s)!, totalAfter.get(s)!))
      .reduce(
        (sum, t) => ({
          mongo: { all: (sum.mongo.all ?? 0) + Object.values(t.mongo).reduce((a, b) => a + b, 0) },
          mongoSeconds: sum.mongoSeconds + t.mongoSeconds,
          mongoReplies: sum.mongoReplies + t.mongoReplies,
          kafka: {},
        }),
        emptyRoundTrips(),
      );
    saturation = { label: `(${installs}, ${tenantCount})`, trips, elapsedMs: run.elapsedMs };
  }

  log("projection rebuild against a raw read of the same topic");
  const raw = await rawConsume(config);
  const rebuild = await projectionRebuild(config, mongo.db);
  figures.push(rebuildFigure(rebuild, raw));

  log("POST → 202: the gateway alone (workers stopped) and the HTTP floor");
  const workersStopped = pipeline.stopWorkers();
  const { port } = await httpFloorStarted;
  const tenant = "bench-http-000";
  const token = await pipeline.token(tenant);
  const { path, body } = pipeline.installRequest(tenant);
  const targets = { gateway: `${pipeline.gatewayUrl}${path}`, floor: `http://127.0.0.1:${port}${path}` };
  const load = async (url: string, connections: number, size: { amount?: number; seconds?: number }) => {
    const result = await postLoad({ url, token, body, connections, ...size });
    await quiet(projector ? [projector] : []); // the gateway's projector has caught up before the next load
    return result;
  };
  // Warm-ups while the workers stop: nothing is measured until they have.
  await postLoad({ url: targets.gateway, token, body, connections: 1, amount: plan.httpWarmUp });
  await postLoad({ url: targets.floor, token, body, connections: 1, amount: plan.httpWarmUp });
  await workersStopped;
  await quiet(projector ? [projector] : []);
  const floorCounts = await ask<{ mongoCommands: number; accepted: number }>(
    httpFloor,
    { type: "counts" },
    "counts",
  );
  const sequential = await load(targets.gateway, 1, { amount: plan.httpSequential });
  const sequentialFloor = await load(targets.floor, 1, { amount: plan.httpSequential });
  const floorCountsAfter = await ask<{ mongoCommands: number; accepted: number }>(
    httpFloor,
    { type: "counts" },
    "counts",
  );
  const concurrent = await load(targets.gateway, 32, { seconds: plan.httpSeconds });
  const concurrentFloor = await load(targets.floor, 32, { seconds: plan.httpSeconds });
  figures.push(...httpFigures("sequential", sequential, sequentialFloor));
  figures.push(...httpFigures("32 concurrent clients", concurrent, concurrentFloor));

  figures.push(...rssFigures(rss.peaks(), services));
  if (saturation)
    figures.push(...databaseFigures(saturation.label, saturation.trips, saturation.elapsedMs, dbFloor));
  figures.push(
    ...roundTripFigures(
      {
        pipeline: pipelineTrips,
        kafkaFloor: floorTrips,
        httpFloorMongo:
          (floorCountsAfter.mongoCommands - floorCounts.mongoCommands) /
          (floorCountsAfter.accepted - floorCounts.accepted),
        installs: plan.counted,
      },
      services,
      dbFloor,
    ),
  );
  log(
    `database floor: upsert p50 ${dbFloor.upsert.p50Ms.toFixed(2)} ms (${Math.round(dbFloor.upsert.opsPerSecond)}/s), find p50 ${dbFloor.find.p50Ms.toFixed(2)} ms (${Math.round(dbFloor.find.opsPerSecond)}/s)`,
  );
  return figures;
}
