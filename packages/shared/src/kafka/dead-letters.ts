import type { IHeaders, KafkaMessage, Producer } from "kafkajs";
import type { Collection, Db } from "mongodb";
import { isDuplicateKeyError } from "../mongo/client.ts";

/** Why a message went to the DLQ. */
export type DeadLetterReason = "undecodable" | "permanent-error";

/**
 * Where a dead letter came from: one consumer group's view of one record. A record is dead-lettered
 * at most once per group, however often it is delivered again (a replay from earliest, a rebalance).
 */
export interface DeadLetterSource {
  group: string;
  topic: string;
  partition: number;
  offset: string;
}

/** `group|topic|partition|offset`: the dead letter's identity, also its `dlq_id` header. */
export const deadLetterIdOf = (source: DeadLetterSource) =>
  `${source.group}|${source.topic}|${source.partition}|${source.offset}`;

interface DeadLetterDocument {
  _id: string;
  state: "sending" | "sent";
  reason: DeadLetterReason;
  at: Date;
}

export const deadLetterCollection = "dead_letters";

/**
 * The DLQ's ledger in MongoDB: which sources were dead-lettered already. A write is recorded as
 * `sending` before the produce and `sent` after it, so a redelivery of the same record sends nothing
 * again; only a crash between the produce and the record can send one copy twice (with the same
 * `dlq_id`, so readers can tell).
 */
export interface DeadLetterLedger {
  /** True when this source still needs sending (new, or a send that may not have finished). */
  begin(id: string, reason: DeadLetterReason, at: Date): Promise<boolean>;
  finish(id: string): Promise<void>;
}

export function deadLetterLedger(db: Db): DeadLetterLedger {
  const collection: Collection<DeadLetterDocument> = db.collection(deadLetterCollection);
  return {
    async begin(id, reason, at) {
      try {
        await collection.insertOne({ _id: id, state: "sending", reason, at });
        return true;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        const existing = await collection.findOne({ _id: id }, { projection: { state: 1 } });
        return existing?.state !== "sent";
      }
    },
    async finish(id) {
      await collection.updateOne({ _id: id }, { $set: { state: "sent" } });
    },
  };
}

export interface DeadLetter {
  source: DeadLetterSource;
  message: KafkaMessage;
  reason: DeadLetterReason;
  error: string;
  attempts: number;
  at: Date;
}

/**
 * Sends the original bytes, key and headers to the DLQ topic with `dlq_*` headers saying why, from
 * where and when, unless the ledger says this source was dead-lettered already. Returns whether it
 * sent anything.
 */
export async function sendDeadLetter(
  producer: Producer,
  dlqTopic: string,
  ledger: DeadLetterLedger | undefined,
  letter: DeadLetter,
): Promise<boolean> {
  const id = deadLetterIdOf(letter.source);
  if (ledger && !(await ledger.begin(id, letter.reason, letter.at))) return false;
  const headers: IHeaders = {
    ...letter.message.headers,
    dlq_id: id,
    dlq_reason: letter.reason,
    dlq_error: letter.error.slice(0, 4000),
    dlq_group: letter.source.group,
    dlq_attempts: String(letter.attempts),
    dlq_topic: letter.source.topic,
    dlq_partition: String(letter.source.partition),
    dlq_offset: letter.source.offset,
    dlq_failed_at: letter.at.toISOString(),
  };
  await producer.send({
    topic: dlqTopic,
    acks: -1,
    messages: [{ key: letter.message.key, value: letter.message.value, headers }],
  });
  await ledger?.finish(id);
  return true;
}
