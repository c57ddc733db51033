// The Kafka floor: plain kafkajs with the pipeline's own topology and publish pattern and no work —
// one topic keyed by tenant with the pipeline's partitions, the pipeline's consumer groups (found on
// the broker), each in a process of its own except the gateway's, which runs here as the gateway
// process holds the HTTP side and the projector; idempotent acks=all producers; a commit after every
// message. An install "succeeds" when the gateway's group has consumed its InstallSucceeded.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { type Admin, Kafka, logLevel } from "kafkajs";
import { outcomesOf } from "../outcomes.ts";
import { ask, type Child, forkNode } from "../processes.ts";
import type { PublishPattern } from "../publish-pattern.ts";
import type { InstallTarget } from "../runner.ts";
import type { StartKafkaService } from "./kafka-service.ts";
import { type FloorStage, sendRecorded, startFloorStage } from "./kafka-stage.ts";
import { toWire } from "./wire.ts";

export interface KafkaFloor extends InstallTarget {
  topic: string;
  groupIds: string[];
  /** Each floor process's pid by service, for RSS. */
  pids: Map<string, number>;
  /** Kafka requests made so far by service (gateway, scanner, …), by API. */
  requests(): Promise<Map<string, Record<string, number>>>;
  stop(): Promise<void>;
}

/** `gateway-projector` → `gateway`: the service a consumer group belongs to. */
export const serviceOfGroup = (group: string) => group.split("-")[0]!;

/**
 * Starts the floor on a topic of its own. `groups` are the pipeline's group suffixes (e.g. `scanner`).
 *
 * @example
 * const floor = await startKafkaFloor({ admin, brokers, topic, partitions: 3, replicationFactor: 1, groups, pattern, runDir, stallMs });
 */
export async function startKafkaFloor(options: {
  admin: Admin;
  brokers: string[];
  topic: string;
  partitions: number;
  replicationFactor: number;
  groups: string[];
  pattern: PublishPattern;
  runDir: string;
  /** A wait for installs fails once nothing has moved on the floor's topic for this long. */
  stallMs: number;
}): Promise<KafkaFloor> {
  await options.admin.createTopics({
    topics: [
      {
        topic: options.topic,
        numPartitions: options.partitions,
        replicationFactor: options.replicationFactor,
      },
    ],
    waitForLeaders: true,
  });
  const kafka = new Kafka({
    brokers: options.brokers,
    clientId: "bench-floor-gateway",
    logLevel: logLevel.ERROR,
  });
  const outcomes = outcomesOf<number>(options.stallMs, options.topic);
  const reactionsOf = (service: string) => options.pattern.stages.filter((s) => s.service === service);

  const local: FloorStage[] = [];
  const forked = new Map<string, Child>();
  const groupIds = options.groups.map((group) => `${options.topic}.${group}`);
  try {
    await Promise.all(
      options.groups.map(async (group, i) => {
        const service = serviceOfGroup(group);
        const groupId = groupIds[i]!;
        if (service === "gateway") {
          local.push(
            await startFloorStage({
              kafka,
              topic: options.topic,
              groupId,
              partitions: options.partitions,
              reactions: reactionsOf(service),
              onMessage: (type, subject, at) => {
                outcomes.progress();
                if (type === "InstallSucceeded") outcomes.settle(subject, at);
              },
            }),
          );
          return;
        }
        const child = forkNode({
          name: `floor-${group}`,
          script: "scripts/bench/floors/kafka-service.ts",
          runDir: options.runDir,
        });
        forked.set(service, child);
        const start: StartKafkaService = {
          type: "start",
          brokers: options.brokers,
          clientId: `bench-floor-${group}`,
          topic: options.topic,
          groupId,
          partitions: options.partitions,
          reactions: toWire(reactionsOf(service)),
        };
        await ask(child, start, "started");
      }),
    );
  } catch (error) {
    await Promise.all([...local.map((s) => s.stop()), ...[...forked.values()].map((c) => c.stop())]);
    throw error;
  }
  const gateway = local[0];
  if (!gateway) throw new Error(`no gateway consumer group among ${options.groups.join(", ")}`);

  return {
    topic: options.topic,
    groupIds,
    pids: new Map([...forked].map(([service, child]) => [service, child.pid])),
    async start(tenant) {
      const installId = `mkt-install-${randomUUID()}`;
      const succeeded = outcomes.wait(installId);
      succeeded.catch(() => undefined); // awaited by the caller
      for (const send of options.pattern.accepted)
        await sendRecorded(gateway.producer, options.topic, tenant, installId, send);
      return { installId, acceptedAt: performance.now(), succeeded };
    },
    async requests() {
      const byService = new Map<string, Record<string, number>>();
      const merged: Record<string, number> = {};
      for (const stage of local)
        for (const [api, n] of Object.entries(stage.requests())) merged[api] = (merged[api] ?? 0) + n;
      byService.set("gateway", merged);
      for (const [service, child] of forked) {
        const reply = await ask<{ requests: Record<string, number> }>(
          child,
          { type: "requests" },
          "requests",
        );
        byService.set(service, reply.requests);
      }
      return byService;
    },
    async stop() {
      await Promise.all(local.map((stage) => stage.stop()));
      await Promise.all(
        [...forked.values()].map(async (child) => {
          await ask(child, { type: "stop" }, "stopped", 15_000).catch(() => child.stop());
          await child.exited;
        }),
      );
    },
  };
}
