// `npm run bench [--quick] [--json <file>]`, `npm run bench --profile`: performance figures of the install
// pipeline, each beside a floor measured in the same run (docs/performance.md explains each). The
// pipeline runs as production runs it — four service processes — on topics, consumer groups, a database
// and ports of its own, so it runs beside `pnpm start` and beside tests on the same infrastructure.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { connectMongo } from "@installhub/shared";
import { isolatedConfig } from "@installhub/shared/testing";
import { runInfra } from "../lib/infra.ts";
import { opsKafka } from "../ops/kafka-admin.ts";
import { type BenchRun, fullPlan, quickPlan } from "./context.ts";
import { deleteTopicsAndGroups } from "./kafka.ts";
import { measure } from "./measure.ts";
import { ensureInfrastructure } from "./preflight.ts";
import { startRssSampler } from "./processes.ts";
import { profileOneInstall } from "./profile.ts";
import { markdownTable, writeJson } from "./report.ts";

const usage = `usage: npm run bench [--quick] [--json <file>] [--keep-logs]
  every figure beside a floor measured in the same run (about 4 minutes on an idle 2-core machine);
  --quick: a reduced set in under a minute (CI); --json: also one record per figure
       npm run bench -- --profile
  CPU profile of the four services over installs one at a time: where one install's time goes`;

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

const began = performance.now();
const elapsed = () => `${((performance.now() - began) / 1000).toFixed(0)}s`;
const log = (message: string) => process.stderr.write(`[bench ${elapsed()}] ${message}\n`);

const startedInfra = await ensureInfrastructure();
const config = { ...isolatedConfig("installhub-bench"), KAFKA_GROUP_PREFIX: undefined };
const kafka = opsKafka(config);
const admin = kafka.admin();
await admin.connect();
const mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB);
const run: BenchRun = {
  plan: args.quick ? quickPlan : fullPlan,
  config,
  prefix: config.INSTALL_EVENTS_TOPIC.replace(/\.install-events$/, ""),
  runDir: await mkdtemp(join(tmpdir(), "installhub-bench-")),
  kafka,
  admin,
  db: mongo.db,
  rss: startRssSampler(),
  log,
  cleanups: [],
  made: { topics: new Set(), groups: new Set() },
};
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
    run.cleanups.splice(0).map((cleanup) => cleanup().catch((error) => log(`cleanup: ${error}`))),
  );
  await deleteTopicsAndGroups(admin, [...run.made.topics], [...run.made.groups]).catch((error) =>
    log(`cleanup: ${error}`),
  );
  run.rss.stop();
  await mongo.db.dropDatabase().catch(() => undefined);
  await mongo.close();
  await admin.disconnect();
  if (startedInfra) runInfra("infra.sh", "down");
  if (failed || args["keep-logs"]) log(`service logs kept in ${run.runDir}`);
  else await rm(run.runDir, { recursive: true, force: true });
}
process.once("SIGINT", () => {
  log("interrupted; stopping what the bench started");
  failed = true;
  void cleanUp().finally(() => process.exit(130));
});

try {
  if (args.profile) {
    console.log(await profileOneInstall(run, 20));
  } else {
    log(`${args.quick ? "quick" : "full"} run`);
    const figures = await measure(run);
    console.log(`\n${markdownTable(figures)}\n`);
    if (args.json) {
      const file = resolve(process.env.INIT_CWD ?? process.cwd(), args.json);
      await writeJson(file, figures, { at: new Date().toISOString(), mode: args.quick ? "quick" : "full" });
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
