import { type ISocketFactory, Kafka, type LogEntry, logLevel } from "kafkajs";
import type { Logger } from "../logger.ts";
import { roundTripMetrics } from "../metrics.ts";

const levels: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

/**
 * A kafkajs client whose own log lines go through our pino logger. `socketFactory` replaces how broker
 * connections are opened (tests use it to cut the client off from a broker that keeps running).
 * `countRequests` (INSTALLHUB_BENCH_COUNTERS) counts every request of the producers, consumers and admin
 * clients made from it on /metrics, by API (Produce, OffsetCommit, …).
 */
export function createKafka(
  brokers: string[],
  clientId: string,
  logger: Logger,
  socketFactory?: ISocketFactory,
  options: { countRequests?: boolean } = {},
): Kafka {
  const kafkaLogger = logger.child({ component: "kafkajs" });
  const kafka = new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, retries: 8 },
    logLevel: logLevel.WARN,
    ...(socketFactory ? { socketFactory } : {}),
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        // Our producers bound their retries on purpose (see publisher.ts) and use no transactions.
        if (message.startsWith("Limiting retries for the idempotent producer")) return;
        kafkaLogger[levels[level] ?? "info"](extra, message);
      },
  });
  if (options.countRequests) countRequests(kafka);
  return kafka;
}

/**
 * kafkajs reports each request's API and duration as an instrumentation event of the producer,
 * consumer or admin client that sent it, not of the Kafka object: every client made is listened to.
 */
function countRequests(kafka: Kafka): void {
  const { kafkaRequestDuration } = roundTripMetrics();
  const count = ({ payload }: { payload: { apiName: string; duration: number } }) =>
    kafkaRequestDuration.observe({ api: payload.apiName }, payload.duration / 1000);
  const makeProducer = kafka.producer.bind(kafka);
  const makeConsumer = kafka.consumer.bind(kafka);
  const makeAdmin = kafka.admin.bind(kafka);
  kafka.producer = (config) => {
    const producer = makeProducer(config);
    producer.on(producer.events.REQUEST, count);
    return producer;
  };
  kafka.consumer = (config) => {
    const consumer = makeConsumer(config);
    consumer.on(consumer.events.REQUEST, count);
    return consumer;
  };
  kafka.admin = (config) => {
    const admin = makeAdmin(config);
    admin.on(admin.events.REQUEST, count);
    return admin;
  };
}
