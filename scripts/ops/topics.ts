import type { Kafka } from "kafkajs";
import { topicOffsets, withAdmin } from "./kafka-admin.ts";

export interface PartitionDescription {
  partition: number;
  leader: number;
  low: string;
  high: string;
  /** Consumer group → committed offset and lag on this partition. */
  groups: Record<string, { committed: string; lag: string }>;
}

/** Partitions, offsets and, for every consumer group reading the topic, committed offsets and lag. */
export async function describeTopics(
  kafka: Kafka,
  topics: string[],
): Promise<Record<string, PartitionDescription[]>> {
  return withAdmin(kafka, async (admin) => {
    const metadata = await admin.fetchTopicMetadata({ topics });
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => !g.startsWith("installhub-ops-reader"));
    const result: Record<string, PartitionDescription[]> = {};
    for (const topic of topics) {
      const offsets = await topicOffsets(admin, topic);
      const leaders = new Map(
        metadata.topics.find((t) => t.name === topic)?.partitions.map((p) => [p.partitionId, p.leader]) ?? [],
      );
      const partitions: PartitionDescription[] = offsets.map((o) => ({
        partition: o.partition,
        leader: leaders.get(o.partition) ?? -1,
        low: o.low.toString(),
        high: o.high.toString(),
        groups: {},
      }));
      for (const groupId of groups) {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        if (!committed || committed.partitions.every((p) => p.offset === "-1")) continue;
        for (const p of committed.partitions) {
          const target = partitions.find((d) => d.partition === p.partition);
          if (!target) continue;
          const offset = BigInt(p.offset);
          const lag = offset < 0n ? BigInt(target.high) - BigInt(target.low) : BigInt(target.high) - offset;
          target.groups[groupId] = { committed: p.offset, lag: lag.toString() };
        }
      }
      result[topic] = partitions;
    }
    return result;
  });
}
