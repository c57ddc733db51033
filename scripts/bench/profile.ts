// `pnpm bench --profile`: where one install's time goes. The four services run with `node --cpu-prof`;
// after a few warm-up installs, installs run one at a time; the profiles each service writes when it
// stops are cut to that window and summarised by self time, per function and per module.
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { BenchRun } from "./context.ts";
import { groupsWithPrefix, waitUntilQuiet } from "./kafka.ts";
import { type Service, startPipeline } from "./pipeline.ts";
import { pipelineCheckout } from "./processes.ts";
import { percentile } from "./report.ts";
import { runSequential, tenantsOf } from "./runner.ts";

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const services: readonly Service[] = ["gateway", "scanner", "installer", "notifier"];
/** CPU profiles and process.hrtime both read the monotonic clock; profiles count in microseconds. */
const nowMicros = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Where a function lives: `node_modules/.pnpm/kafkajs@2.2.4…/node_modules/kafkajs/src/x.js` →
 * module `kafkajs`, file `kafkajs/src/x.js`; our own files by their path in the repository.
 */
export function locationOf(url: string, functionName: string): { module: string; file: string } {
  if (url === "") {
    const native = functionName.startsWith("(") ? functionName : "(native)";
    return { module: native, file: "" };
  }
  if (url.startsWith("node:")) return { module: url, file: url };
  const path = url.replace(/^file:\/\//, "");
  const inModules = /.*node_modules\/((?:@[^/]+\/)?[^/]+)(\/.*)$/.exec(path);
  if (inModules) return { module: inModules[1]!, file: `${inModules[1]}${inModules[2]}` };
  const file = relative(pipelineCheckout, path);
  return { module: file, file };
}

/** Self time in microseconds by function and by module, for samples taken between `from` and `to`. */
export function selfTimes(profile: CpuProfile, from: number, to: number) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let time = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i]!;
    const spent = profile.timeDeltas[i + 1] ?? 0;
    if (time < from || time > to) continue;
    const frame = byId.get(profile.samples[i]!)!;
    const { module, file } = locationOf(frame.url, frame.functionName);
    const name = `${frame.functionName || "(anonymous)"}${file ? ` ${file}:${frame.lineNumber + 1}` : ""}`;
    functions.set(name, (functions.get(name) ?? 0) + spent);
    modules.set(module, (modules.get(module) ?? 0) + spent);
    total += spent;
  }
  return { functions, modules, total };
}

/** Runs the profile over `installs` installs and returns its summary as Markdown. */
export async function profileOneInstall(run: BenchRun, installs: number): Promise<string> {
  const { config, runDir, admin, log } = run;
  const profileDir = join(runDir, "profiles");
  log("starting the pipeline with --cpu-prof on the four services");
  run.made.topics.add(config.INSTALL_EVENTS_TOPIC).add(config.DLQ_TOPIC);
  const pipeline = await startPipeline(config, runDir, {
    stallMs: 120_000,
    counters: false, // as deployed: the round-trip counters would add their own work to the profile
    nodeOptions: (service) => [
      "--cpu-prof",
      `--cpu-prof-dir=${profileDir}`,
      `--cpu-prof-name=${service}.cpuprofile`,
    ],
  });
  run.cleanups.push(() => pipeline.stop());
  run.made.groups.add(pipeline.followerGroupId);
  const topic = config.INSTALL_EVENTS_TOPIC;
  log("warm-up: 3 installs");
  await runSequential(pipeline, tenantsOf("warm", 3));
  const groupIds = (await groupsWithPrefix(admin, topic)).map((group) => `${topic}.${group}`);
  for (const id of groupIds) run.made.groups.add(id);
  const projector = groupIds.find((id) => id.endsWith(".gateway-projector"));
  if (projector) pipeline.followProjector(projector); // no status polling in the profile
  const quiet = () => waitUntilQuiet(admin, topic, groupIds, { stallMs: 120_000 });
  await quiet();

  log(`profiled: ${installs} installs one at a time`);
  const from = nowMicros();
  const profiled = await runSequential(pipeline, tenantsOf("profiled", installs));
  await quiet();
  const to = nowMicros();
  await pipeline.stop(); // each service writes its profile as it exits

  const wallP50 = percentile(profiled.latencies, 50);
  const per = (micros: number) => micros / 1000 / installs;
  const lines = [
    `### Where one install's time goes (\`pnpm bench --profile\`)`,
    "",
    `${installs} installs of ${"acme-invoice-workflows"} one at a time (after 3 warm-up installs), each service under \`node --cpu-prof\` (1 ms sampling); samples outside the window are dropped. 202 → Success p50 under the profiler: ${Math.round(wallP50)} ms.`,
    "",
    "| service | CPU per install (busy) | of which GC | idle share of the window |",
    "| --- | --- | --- | --- |",
  ];
  const details: string[] = [];
  let allBusy = 0;
  for (const service of services) {
    const profile = JSON.parse(
      await readFile(join(profileDir, `${service}.cpuprofile`), "utf8"),
    ) as CpuProfile;
    if (from < profile.startTime || to > profile.endTime)
      throw new Error(
        `${service}'s profile (${profile.startTime}–${profile.endTime} µs) does not cover the window`,
      );
    const { functions, modules, total } = selfTimes(profile, from, to);
    const idle = functions.get("(idle)") ?? 0;
    const busy = total - idle;
    allBusy += busy;
    const gc = functions.get("(garbage collector)") ?? 0;
    lines.push(
      `| ${service} | ${per(busy).toFixed(1)} ms | ${per(gc).toFixed(1)} ms | ${((idle / total) * 100).toFixed(0)} % |`,
    );
    const top = (map: Map<string, number>, n: number) =>
      [...map]
        .filter(([name]) => name !== "(idle)")
        .sort(([, a], [, b]) => b - a)
        .slice(0, n)
        .map(
          ([name, micros]) =>
            `| ${name} | ${per(micros).toFixed(2)} ms | ${((micros / busy) * 100).toFixed(1)} % |`,
        );
    details.push(
      "",
      `#### ${service}: top self time`,
      "",
      "| module | per install | of busy |",
      "| --- | --- | --- |",
      ...top(modules, 8),
      "",
      "| function | per install | of busy |",
      "| --- | --- | --- |",
      ...top(functions, 10),
    );
  }
  lines.push(`| all four | ${per(allBusy).toFixed(1)} ms | | |`);
  return [...lines, ...details].join("\n");
}
