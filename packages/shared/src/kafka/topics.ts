import type { Admin, Kafka } from "kafkajs";
import { retry } from "../retry.ts";

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
}

/**
 * Creates the topics that are missing and resolves once every partition of each has a leader;
 * existing topics are left as they are. Safe to run concurrently.
 *
 * @throws the broker's last answer when the partitions still have no leader after ~15 s
 */
export async function ensureTopics(kafka: Kafka, topics: TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter(({ topic }) => !existing.has(topic));
    if (missing.length === 0) return;
    try {
      // Not kafkajs' waitForLeaders: a KRaft broker answers the metadata request right after a
      // creation with UNKNOWN_TOPIC_OR_PARTITION for a moment, which that wait does not retry.
      await admin.createTopics({ topics: missing, waitForLeaders: false });
    } catch (error) {
      // Another process may have created the same topic a moment earlier.
      if ((error as { type?: string }).type !== "TOPIC_ALREADY_EXISTS") throw error;
    }
    await retry(() => everyPartitionLed(admin, missing), {
      policy: { attempts: 20, initialBackoffMs: 50, maxBackoffMs: 1_000 },
    });
  } finally {
    await admin.disconnect();
  }
}

async function everyPartitionLed(admin: Admin, topics: TopicSpec[]): Promise<void> {
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: topics.map(({ topic }) => topic) });
  for (const spec of topics) {
    const partitions = metadata.find((topic) => topic.name === spec.topic)?.partitions ?? [];
    if (partitions.length < spec.numPartitions || partitions.some((partition) => partition.leader < 0))
      throw new Error(`topic ${spec.topic}: not every partition has a leader yet`);
  }
}

export function installTopics(config: {
  INSTALL_EVENTS_TOPIC: string;
  DLQ_TOPIC: string;
  KAFKA_TOPIC_PARTITIONS: number;
  KAFKA_REPLICATION_FACTOR: number;
}): TopicSpec[] {
  return [config.INSTALL_EVENTS_TOPIC, config.DLQ_TOPIC].map((topic) => ({
    topic,
    numPartitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
  }));
}
