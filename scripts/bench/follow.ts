// Following installs from outside the pipeline, through Kafka: each install's last event on the topic,
// and when the status projector has committed past it (its handler commits after its write, so from
// then on a status request sees the outcome). Waiting on these costs the gateway and the database
// nothing; polling every waiting install's status would load the very services being measured.
import { setTimeout as sleep } from "node:timers/promises";
import type { BaseConfig } from "@installhub/shared";
import { uniqueId } from "@installhub/shared/testing";
import { type Admin, Kafka, logLevel } from "kafkajs";
import { outcomesOf } from "./outcomes.ts";

/** An install's last event: InstallSucceeded or InstallFailed, and where it is on the topic. */
export interface Outcome {
  type: string;
  partition: number;
  offset: bigint;
}

export interface Follower {
  /** The bench's own consumer group on the topic. */
  groupId: string;
  outcome(installId: string): Promise<Outcome>;
  /**
   * Resolves once the projector's group has committed past `outcome` (at once while no projector group
   * is known, e.g. before the groups are found, or if the pipeline has none by that name).
   */
  projected(installId: string, outcome: Outcome): Promise<void>;
  /** From now on, `projected` waits for this consumer group. */
  followProjector(groupId: string): void;
  /** Milliseconds since anything moved: an event on the topic, or an offset the projector committed. */
  sinceProgress(): number;
  stop(): Promise<void>;
}

const text = (value: unknown) => (value === undefined ? "" : String(Array.isArray(value) ? value[0] : value));

/**
 * @example
 * const follower = await followInstalls(config, 180_000);
 * const outcome = await follower.outcome(installId);
 * await follower.projected(installId, outcome);
 */
export async function followInstalls(config: BaseConfig, stallMs: number): Promise<Follower> {
  const kafka = new Kafka({
    brokers: config.KAFKA_BROKERS,
    clientId: "bench-follow",
    logLevel: logLevel.ERROR,
  });
  const topic = config.INSTALL_EVENTS_TOPIC;
  const groupId = uniqueId("installhub-bench-follow");
  const consumer = kafka.consumer({ groupId });
  const admin: Admin = kafka.admin();
  const outcomes = outcomesOf<Outcome>(stallMs, topic);
  const projections = outcomesOf<true>(stallMs, `the projector's offsets on ${topic}`);
  const waiting = new Map<string, Outcome>();
  let projector: string | undefined;
  let lastProgress = Date.now();
  const progress = () => {
    lastProgress = Date.now();
    outcomes.progress();
    projections.progress();
  };

  await Promise.all([consumer.connect(), admin.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: config.KAFKA_TOPIC_PARTITIONS,
    eachMessage: async ({ partition, message }) => {
      progress();
      const type = text(message.headers?.ce_type);
      if (type === "InstallSucceeded" || type === "InstallFailed")
        outcomes.settle(text(message.headers?.ce_subject), {
          type,
          partition,
          offset: BigInt(message.offset),
        });
    },
  });

  // One offset fetch serves every waiting install.
  let polling = false;
  let committedBefore = "";
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      while (waiting.size > 0 && projector) {
        const committed = await admin.fetchOffsets({ groupId: projector, topics: [topic] }).then(
          ([offsets]) => new Map(offsets?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []),
          () => undefined, // a broker hiccup: asked again; a lasting one ends as a stall
        );
        if (committed) {
          const now = [...committed.values()].join(",");
          if (now !== committedBefore) progress();
          committedBefore = now;
          for (const [installId, outcome] of waiting) {
            if ((committed.get(outcome.partition) ?? -1n) > outcome.offset) {
              waiting.delete(installId);
              projections.settle(installId, true);
            }
          }
        }
        // Many waiting means a lagging projector and latencies of seconds: ask less often then.
        await sleep(waiting.size > 3 ? 100 : 10);
      }
    } finally {
      polling = false;
    }
  };

  return {
    groupId,
    outcome: outcomes.wait,
    async projected(installId, outcome) {
      if (!projector) return;
      waiting.set(installId, outcome);
      const done = projections.wait(installId);
      void poll();
      await done;
    },
    followProjector(id) {
      projector = id;
    },
    sinceProgress: () => Date.now() - lastProgress,
    async stop() {
      await Promise.all([consumer.disconnect(), admin.disconnect()]);
    },
  };
}
