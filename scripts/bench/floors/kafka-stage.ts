// One consumer group of the Kafka floor: plain kafkajs, the pipeline's topology and publish pattern,
// no work. On a message whose `ce_type` a real service reacts to, it makes the sends that service made
// for it (the same events, bytes and headers, recorded from a real install), then commits; on any other
// message it only commits. Used in the bench process (the gateway's groups) and in floor processes.
import { performance } from "node:perf_hooks";
import { type Consumer, type IHeaders, type Kafka, Partitioners, type Producer } from "kafkajs";

/** One message a real service published: its event type, encoded value and headers. */
export interface RecordedMessage {
  type: string;
  value: Buffer;
  headers: Record<string, Buffer>;
}

/** The messages of one `producer.send` (one produce request). */
export type Send = RecordedMessage[];

/** What a service does when it sees `trigger`: the sends it made, in order. */
export interface Reaction {
  trigger: string;
  sends: Send[];
}

export interface FloorStage {
  producer: Producer;
  /** Kafka requests this stage's producer and consumer made, by API (Produce, OffsetCommit, …). */
  requests(): Record<string, number>;
  stop(): Promise<void>;
}

const text = (value: IHeaders[string]) =>
  value === undefined ? "" : Array.isArray(value) ? String(value[0]) : value.toString();

/** Publishes one recorded send for the install `subject` of tenant `key`, acks=all. */
export async function sendRecorded(
  producer: Producer,
  topic: string,
  key: Buffer | string,
  subject: string,
  send: Send,
): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: send.map((message) => ({
      key,
      value: message.value,
      headers: { ...message.headers, ce_subject: subject },
    })),
  });
}

/**
 * Starts a floor stage and resolves once its consumer has joined its group.
 *
 * @example
 * const stage = await startFloorStage({ kafka, topic, groupId, partitions: 3, reactions });
 */
export async function startFloorStage(options: {
  kafka: Kafka;
  topic: string;
  groupId: string;
  /** Partitions consumed at once: as many as the topic has, like the pipeline's consumer loop. */
  partitions: number;
  reactions: Reaction[];
  /** Called for each message once its reaction is sent, before the commit (time in performance.now ms). */
  onMessage?: (type: string, subject: string, at: number) => void;
}): Promise<FloorStage> {
  const requests: Record<string, number> = {};
  const count = ({ payload }: { payload: { apiName: string } }) => {
    requests[payload.apiName] = (requests[payload.apiName] ?? 0) + 1;
  };
  const producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer: Consumer = options.kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
  });
  producer.on(producer.events.REQUEST, count);
  consumer.on(consumer.events.REQUEST, count);
  const reactions = new Map(options.reactions.map((reaction) => [reaction.trigger, reaction.sends]));
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: options.partitions,
    eachMessage: async ({ partition, message }) => {
      const type = text(message.headers?.ce_type);
      const subject = text(message.headers?.ce_subject);
      for (const send of reactions.get(type) ?? [])
        await sendRecorded(producer, options.topic, message.key ?? "", subject, send);
      options.onMessage?.(type, subject, performance.now());
      await consumer.commitOffsets([
        { topic: options.topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
      ]);
    },
  });
  await joined;
  return {
    producer,
    requests: () => ({ ...requests }),
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
