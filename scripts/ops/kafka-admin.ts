import type { BaseConfig } from "@installhub/shared";
import { type Admin, Kafka, logLevel } from "kafkajs";

export function opsKafka(config: BaseConfig): Kafka {
  return new Kafka({ brokers: config.KAFKA_BROKERS, clientId: "installhub-ops", logLevel: logLevel.ERROR });
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
