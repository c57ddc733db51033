// Kafka seen from outside, as an operator sees it: topics, consumer groups, committed offsets.
import { setTimeout as sleep } from "node:timers/promises";
import type { Admin } from "kafkajs";
import { topicOffsets } from "../ops/kafka-admin.ts";

/** The consumer groups whose id starts with `<prefix>.`, as suffixes (e.g. `scanner`), sorted. */
export async function groupsWithPrefix(admin: Admin, prefix: string): Promise<string[]> {
  const { groups } = await admin.listGroups();
  return groups
    .map((g) => g.groupId)
    .filter((id) => id.startsWith(`${prefix}.`))
    .map((id) => id.slice(prefix.length + 1))
    .sort();
}

/**
 * Waits until every group has committed the end of every partition of `topic`, twice in a row
 * `settleMs` apart with no new message: nothing is in flight (handlers commit after their effects and
 * publish before committing), so the pipeline is quiet. Fails when no offset has moved for `stallMs`.
 */
export async function waitUntilQuiet(
  admin: Admin,
  topic: string,
  groupIds: readonly string[],
  options: { stallMs: number; settleMs?: number },
): Promise<void> {
  let deadline = Date.now() + options.stallMs;
  let previous = "";
  let positions = "";
  for (;;) {
    const ends = await topicOffsets(admin, topic);
    const committed = await Promise.all(
      groupIds.map(async (groupId) => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return new Map(offsets?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
      }),
    );
    const caughtUp = committed.every((byPartition) =>
      ends.every((end) => end.high === end.low || (byPartition.get(end.partition) ?? -1n) >= end.high),
    );
    const snapshot = ends.map((end) => end.high).join(",");
    const now = `${snapshot};${committed.map((byPartition) => [...byPartition.values()].join(",")).join(";")}`;
    if (now !== positions) deadline = Date.now() + options.stallMs;
    positions = now;
    if (caughtUp && snapshot === previous) return;
    previous = caughtUp ? snapshot : "";
    if (Date.now() > deadline) {
      const lag = groupIds.map((groupId, i) => {
        const behind = ends.reduce((sum, end) => {
          const at = committed[i]!.get(end.partition) ?? -1n;
          return sum + end.high - (at < end.low ? end.low : at);
        }, 0n);
        return `${groupId}: ${behind} behind`;
      });
      throw new Error(`${topic}: no offset moved for ${options.stallMs / 1000} s (${lag.join("; ")})`);
    }
    await sleep(options.settleMs ?? 200);
  }
}

/**
 * Deletes what a bench run made on the shared broker; what is already gone is fine. A group whose last
 * member is still leaving (or was killed, and stays until its session times out: 30 s) cannot be
 * deleted yet, so each is tried again for up to 40 s.
 */
export async function deleteTopicsAndGroups(
  admin: Admin,
  topics: string[],
  groupIds: string[],
): Promise<void> {
  const existing = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
  const left: string[] = [];
  for (const groupId of groupIds.filter((id) => existing.has(id))) {
    for (let attempt = 1; ; attempt++) {
      const deleted = await admin.deleteGroups([groupId]).then(
        () => true,
        () => false,
      );
      if (deleted) break;
      if (attempt === 40) {
        left.push(groupId);
        break;
      }
      await sleep(1000);
    }
  }
  const present = new Set(await admin.listTopics());
  const topicsToDelete = topics.filter((topic) => present.has(topic));
  if (topicsToDelete.length > 0) await admin.deleteTopics({ topics: topicsToDelete, timeout: 10_000 });
  if (left.length > 0) throw new Error(`consumer groups still in use, not deleted: ${left.join(", ")}`);
}
