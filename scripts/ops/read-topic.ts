import { uniqueId } from "@installhub/shared/testing";
import type { Kafka, KafkaMessage } from "kafkajs";
import { topicOffsets, withAdmin } from "./kafka-admin.ts";

export interface TopicRecord {
  partition: number;
  message: KafkaMessage;
}

/**
 * Reads a topic from its earliest offsets (or `startAt`) up to the high watermarks seen at the start,
 * then stops, returning those watermarks.
 * It uses a throw-away consumer group and commits nothing, so it changes no one's offsets.
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onRecord: (record: TopicRecord) => Promise<void> | void,
  options: { onProgress?: (done: bigint, total: bigint) => void; startAt?: ReadonlyMap<number, bigint> } = {},
): Promise<{ records: bigint; ends: Map<number, bigint> }> {
  const offsets = await withAdmin(kafka, (admin) => topicOffsets(admin, topic));
  const startOf = (p: { partition: number; low: bigint }) => {
    const from = options.startAt?.get(p.partition) ?? p.low;
    // biome-ignore lint/complexity/useMathMinMax: bigint offsets; Math.max takes numbers only
    return from > p.low ? from : p.low;
  };
  const ends = new Map(offsets.map((p) => [p.partition, p.high]));
  const remaining = new Map(offsets.filter((p) => p.high > startOf(p)).map((p) => [p.partition, p.high]));
  const starts = new Map(offsets.map((p) => [p.partition, startOf(p)]));
  const total = offsets.reduce((sum, p) => sum + (p.high - startOf(p)), 0n);
  if (remaining.size === 0) return { records: 0n, ends };
  let done = 0n;
  const consumer = kafka.consumer({ groupId: uniqueId("installhub-ops-reader"), sessionTimeout: 10_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const end = remaining.get(partition);
          const offset = BigInt(message.offset);
          if (end === undefined || offset >= end || offset < (starts.get(partition) ?? 0n)) return;
          await onRecord({ partition, message });
          done++;
          options.onProgress?.(done, total);
          if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
          if (remaining.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return { records: done, ends };
}
