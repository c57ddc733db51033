// `pnpm ops <command>`: operator tools.
//   replay-status            rebuild install_status from offset 0 into a new collection, then swap it in
//   dlq list                 dead letters with their error, group, attempts and redrive state
//   dlq redrive <id|all>     publish dead letters back to their topic (each at most once)
//   topics describe          partitions, offsets, and committed offsets + lag per consumer group
import { baseConfigSchema, connectMongo, loadConfig } from "@installhub/shared";
import { listDeadLetters, redriveDeadLetters } from "./dlq.ts";
import { opsKafka } from "./kafka-admin.ts";
import { replayStatus } from "./replay-status.ts";
import { describeTopics } from "./topics.ts";

const config = loadConfig(baseConfigSchema);
const kafka = opsKafka(config);
const [command, subcommand, argument] = process.argv.slice(2);
const json = process.argv.includes("--json");

async function withDb<T>(work: (db: import("mongodb").Db) => Promise<T>): Promise<T> {
  const mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB);
  try {
    return await work(mongo.db);
  } finally {
    await mongo.close();
  }
}

function progressBar(done: bigint, total: bigint, startedAt: number): string {
  const ratio = total === 0n ? 1 : Number(done) / Number(total);
  const width = 30;
  const filled = Math.round(ratio * width);
  const rate = Number(done) / Math.max(0.001, (Date.now() - startedAt) / 1000);
  return `\r[${"=".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} events  ${rate.toFixed(0)} events/s`;
}

switch (`${command} ${subcommand ?? ""}`.trim()) {
  case "replay-status": {
    const startedAt = Date.now();
    const result = await withDb((db) =>
      replayStatus({
        kafka,
        config,
        db,
        onProgress: (done, total) => process.stderr.write(progressBar(done, total, startedAt)),
      }),
    );
    process.stderr.write("\n");
    console.log(
      `rebuilt ${result.installs} install statuses from ${result.events} events in ${((Date.now() - startedAt) / 1000).toFixed(1)}s; swapped into ${result.collection} (${result.tailEvents} newer events applied after the swap)`,
    );
    break;
  }
  case "dlq list": {
    const letters = await withDb((db) => listDeadLetters(kafka, db, config.DLQ_TOPIC));
    if (json)
      console.log(
        JSON.stringify(
          letters.map(({ key: _k, value: _v, headers: _h, ...rest }) => rest),
          null,
          2,
        ),
      );
    else if (letters.length === 0) console.log(`no dead letters in ${config.DLQ_TOPIC}`);
    else
      for (const l of letters) {
        console.log(
          `${l.id.padEnd(8)} ${l.failedAt}  ${l.group}  ${l.reason} after ${l.attempts} attempt(s)  ${l.type || "?"} ${l.installId}${l.redrivenAt ? `  (redriven ${l.redrivenAt})` : ""}\n         ${l.error}`,
        );
      }
    break;
  }
  case "dlq redrive": {
    if (!argument) throw new Error("usage: pnpm ops dlq redrive <id|all>");
    const redriven = await withDb((db) => redriveDeadLetters(kafka, db, config.DLQ_TOPIC, argument));
    console.log(
      `redrove ${redriven.length} dead letter(s)${redriven.length ? `: ${redriven.map((l) => l.id).join(", ")}` : ""}`,
    );
    break;
  }
  case "topics describe": {
    const topics = await describeTopics(kafka, [config.INSTALL_EVENTS_TOPIC, config.DLQ_TOPIC]);
    if (json) console.log(JSON.stringify(topics, null, 2));
    else
      for (const [topic, partitions] of Object.entries(topics)) {
        console.log(`${topic}: ${partitions.length} partition(s)`);
        for (const p of partitions) {
          const groups = Object.entries(p.groups)
            .map(([group, g]) => `${group} @${g.committed} lag ${g.lag}`)
            .join("; ");
          console.log(
            `  p${p.partition} leader ${p.leader} offsets ${p.low}..${p.high}${groups ? `  ${groups}` : ""}`,
          );
        }
      }
    break;
  }
  default:
    console.error(
      "usage: pnpm ops replay-status | dlq list [--json] | dlq redrive <id|all> | topics describe [--json]",
    );
    process.exit(2);
}
process.exit(0);
