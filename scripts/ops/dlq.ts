import { headerText, readTopicToEnd } from "@installhub/shared";
import type { IHeaders, Kafka } from "kafkajs";
import { Partitioners } from "kafkajs";
import type { Db } from "mongodb";

export interface DeadLetter {
  /**
   * The letter's identity: `group|topic|partition|offset` of the record that failed (its `dlq_id`
   * header), so two copies of one failure in the DLQ are one letter, redriven once. Letters written
   * before that header existed are named by their place in the DLQ, `<partition>:<offset>`.
   */
  id: string;
  failedAt: string;
  group: string;
  reason: string;
  attempts: string;
  error: string;
  type: string;
  installId: string;
  source: { topic: string; partition: string; offset: string };
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  redrivenAt: string | null;
}

interface RedriveDocument {
  _id: string;
  redrivenAt: string;
}

const redrives = (db: Db) => db.collection<RedriveDocument>("dlq_redrives");

export async function listDeadLetters(kafka: Kafka, db: Db, dlqTopic: string): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  const seen = new Set<string>();
  await readTopicToEnd(kafka, dlqTopic, ({ partition, message }) => {
    const h = (name: string) => headerText(message.headers, name) ?? "";
    const id = h("dlq_id") || `${partition}:${message.offset}`;
    if (seen.has(id)) return;
    seen.add(id);
    letters.push({
      id,
      failedAt: h("dlq_failed_at"),
      group: h("dlq_group"),
      reason: h("dlq_reason"),
      attempts: h("dlq_attempts"),
      error: h("dlq_error"),
      type: h("ce_type"),
      installId: h("ce_subject"),
      source: { topic: h("dlq_topic"), partition: h("dlq_partition"), offset: h("dlq_offset") },
      key: message.key,
      value: message.value,
      headers: message.headers ?? {},
      redrivenAt: null,
    });
  });
  const done = await redrives(db)
    .find({ _id: { $in: letters.map((l) => l.id) } })
    .toArray();
  const when = new Map(done.map((d) => [d._id, d.redrivenAt]));
  return letters.map((letter) => ({ ...letter, redrivenAt: when.get(letter.id) ?? null }));
}

/**
 * Publishes dead letters back to the topic they came from, byte for byte, without the dlq_* headers.
 * Every consumer group sees them again; handlers are idempotent, so only the group that failed acts.
 * Each letter is redriven at most once (recorded in `dlq_redrives`).
 */
export async function redriveDeadLetters(
  kafka: Kafka,
  db: Db,
  dlqTopic: string,
  which: string,
): Promise<DeadLetter[]> {
  const letters = (await listDeadLetters(kafka, db, dlqTopic)).filter(
    (letter) => letter.redrivenAt === null && (which === "all" || letter.id === which),
  );
  if (which !== "all" && letters.length === 0)
    throw new Error(`no dead letter ${which} waiting for a redrive`);
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    for (const letter of letters) {
      const headers = Object.fromEntries(
        Object.entries(letter.headers).filter(([name]) => !name.startsWith("dlq_")),
      );
      await producer.send({
        topic: letter.source.topic,
        acks: -1,
        messages: [{ key: letter.key, value: letter.value, headers }],
      });
      await redrives(db).updateOne(
        { _id: letter.id },
        { $setOnInsert: { redrivenAt: new Date().toISOString() } },
        { upsert: true },
      );
    }
  } finally {
    await producer.disconnect();
  }
  return letters;
}
