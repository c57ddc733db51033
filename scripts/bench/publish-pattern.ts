// What one real install put on the topic, read back as an operator would: which service published
// which events, in how many sends (one produce request each), with which bytes, and in reaction to which
// event. The Kafka floor replays exactly this, so it follows the pipeline when the pipeline changes.

import { readTopicToEnd } from "@installhub/shared";
import type { Kafka, KafkaMessage } from "kafkajs";
import type { Reaction, RecordedMessage, Send } from "./floors/kafka-stage.ts";

/** One service's reaction to one event: the sends it made for it. */
export interface Stage extends Reaction {
  /** The service, from the events' `ce_source` (`installhub/<service>`). */
  service: string;
}

export interface PublishPattern {
  /** What the gateway published when it accepted the install (no trigger: the HTTP request). */
  accepted: Send[];
  /** Every other service's sends, by the event each reacted to. */
  stages: Stage[];
}

const text = (value: unknown) =>
  value === undefined ? "" : Buffer.isBuffer(value) ? value.toString() : String(value);

/** A message of the install read back from the topic, with the record batch it came in. */
export interface ReadRecord {
  /** `<partition>:<first offset of its record batch>`: one batch per `producer.send`. */
  batch: string;
  message: Pick<KafkaMessage, "value" | "headers">;
}

/**
 * The publish pattern of one install's messages, in topic order. Consecutive messages of one record
 * batch are one send; the gateway's leading sends are what it publishes on the HTTP request; after
 * that, a run of sends from one service (`ce_source`) is its reaction to the event just before it.
 *
 * @example
 * patternOf(records).stages[0] // { service: "scanner", trigger: "InstallRequested", sends: [3 sends] }
 */
export function patternOf(records: readonly ReadRecord[]): PublishPattern {
  const sends: { service: string; batch: string; messages: RecordedMessage[] }[] = [];
  for (const { message, batch } of records) {
    const service = text(message.headers?.ce_source).replace(/^installhub\//, "");
    const recorded: RecordedMessage = {
      type: text(message.headers?.ce_type),
      value: message.value ?? Buffer.alloc(0),
      headers: Object.fromEntries(
        Object.entries(message.headers ?? {}).map(([key, value]) => [
          key,
          Buffer.isBuffer(value) ? value : Buffer.from(text(Array.isArray(value) ? value[0] : value)),
        ]),
      ),
    };
    const last = sends.at(-1);
    if (last && last.batch === batch) last.messages.push(recorded);
    else sends.push({ service, batch, messages: [recorded] });
  }
  const leading = sends.findIndex((send) => send.service !== "gateway");
  const accepted = sends.slice(0, leading === -1 ? sends.length : leading);
  if (accepted.length === 0)
    throw new Error(`the install's first event came from ${sends[0]?.service}, not the gateway`);
  const stages: Stage[] = [];
  let previous = accepted.at(-1)!;
  for (const send of sends.slice(accepted.length)) {
    const current = stages.at(-1);
    if (current && send.service === previous.service) current.sends.push(send.messages);
    else
      stages.push({ service: send.service, trigger: previous.messages.at(-1)!.type, sends: [send.messages] });
    previous = send;
  }
  return { accepted: accepted.map((send) => send.messages), stages };
}

/**
 * Reads the install-events topic (a throw-away reader, as `pnpm ops` uses) and returns the publish
 * pattern of install `installId`. kafkajs gives each record its batch's first offset (`batchContext`).
 *
 * @example
 * const pattern = await publishPatternOf(kafka, config.INSTALL_EVENTS_TOPIC, installId);
 */
export async function publishPatternOf(
  kafka: Kafka,
  topic: string,
  installId: string,
): Promise<PublishPattern> {
  const records: ReadRecord[] = [];
  await readTopicToEnd(kafka, topic, ({ partition, message }) => {
    if (text(message.headers?.ce_subject) !== installId) return;
    const batch = (message as { batchContext?: { firstOffset?: string } }).batchContext?.firstOffset;
    records.push({ message, batch: `${partition}:${batch ?? message.offset}` });
  });
  if (records.length === 0) throw new Error(`no event of ${installId} on ${topic}`);
  return patternOf(records);
}

const bytesOf = (message: RecordedMessage) =>
  message.value.length +
  Object.entries(message.headers).reduce((sum, [key, value]) => sum + key.length + value.length, 0);

/** One line per service, e.g. `scanner on InstallRequested: 3 sends, 3 events, 2.1 KB`. */
export function describePattern(pattern: PublishPattern): string[] {
  const line = (who: string, sends: Send[]) => {
    const messages = sends.flat();
    const kb = messages.reduce((sum, m) => sum + bytesOf(m), 0) / 1024;
    return `${who}: ${sends.length} send(s), ${messages.length} event(s) (${[...new Set(messages.map((m) => m.type))].join(", ")}), ${kb.toFixed(1)} KB with headers`;
  };
  return [
    line("gateway on the HTTP request", pattern.accepted),
    ...pattern.stages.map((stage) => line(`${stage.service} on ${stage.trigger}`, stage.sends)),
  ];
}
