import { randomUUID } from "node:crypto";
import type { Admin, Kafka, KafkaMessage } from "kafkajs";

export interface TopicRecord {
  partition: number;
  message: KafkaMessage;
}

export async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Per partition: the earliest and the next offset (high watermark). */
export async function topicOffsets(
  admin: Admin,
  topic: string,
): Promise<{ partition: number; low: bigint; high: bigint }[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets
    .map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }))
    .sort((a, b) => a.partition - b.partition);
}

/**
 * Reads a topic from its earliest offsets (or `startAt`) up to the high watermarks of every
 * partition seen at the start, then stops, returning those watermarks: afterwards, everything that
 * was on the topic when the call began has been seen. It uses a throw-away consumer group and
 * commits nothing, so it changes no one's offsets. Used by `pnpm ops` and by tests that must know
 * "nothing else was published".
 *
 * @example
 * const { ends } = await readTopicToEnd(kafka, topic, ({ partition, message }) => seen.push(message));
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
  const consumer = kafka.consumer({ groupId: `installhub-reader-${randomUUID()}`, sessionTimeout: 10_000 });
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
          if (offset + 1n >= end) remaining.delete(partition);
          if (remaining.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return { records: done, ends };
}
