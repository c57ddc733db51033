// Projection rebuild (`pnpm ops replay-status`'s own code) against a raw read of the same topic with
// the same reader and no work: both timed from their first event to their end, so the consumer group's
// join, the same for both, is not counted.
import { performance } from "node:perf_hooks";
import type { BaseConfig } from "@installhub/shared";
import { readTopicToEnd } from "@installhub/shared";
import type { Db } from "mongodb";
import { opsKafka } from "../ops/kafka-admin.ts";
import { replayStatus } from "../ops/replay-status.ts";

export interface ReadRate {
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

const rate = (events: number, firstAt: number | undefined): ReadRate => {
  const seconds = firstAt === undefined ? Number.NaN : (performance.now() - firstAt) / 1000;
  return { events, seconds, eventsPerSecond: events / seconds };
};

/** Reads the whole install-events topic with no work per event. */
export async function rawConsume(config: BaseConfig): Promise<ReadRate> {
  let firstAt: number | undefined;
  const { records } = await readTopicToEnd(opsKafka(config), config.INSTALL_EVENTS_TOPIC, () => {
    firstAt ??= performance.now();
  });
  return rate(Number(records), firstAt);
}

/** Rebuilds `install_status` from offset 0 and swaps it in, as `pnpm ops replay-status` does. */
export async function projectionRebuild(
  config: BaseConfig,
  db: Db,
): Promise<ReadRate & { installs: number }> {
  let firstAt: number | undefined;
  const result = await replayStatus({
    kafka: opsKafka(config),
    config,
    db,
    onProgress: () => {
      firstAt ??= performance.now();
    },
  });
  return { ...rate(Number(result.events), firstAt), installs: result.installs };
}
