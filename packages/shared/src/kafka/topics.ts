import type { Kafka } from "kafkajs";

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
}

/** Creates the topics that are missing; existing topics are left as they are. Safe to run concurrently. */
export async function ensureTopics(kafka: Kafka, topics: TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter(({ topic }) => !existing.has(topic));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({ topics: missing, waitForLeaders: true });
    } catch (error) {
      // Another process may have created the same topic a moment earlier.
      if ((error as { type?: string }).type !== "TOPIC_ALREADY_EXISTS") throw error;
    }
  } finally {
    await admin.disconnect();
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
