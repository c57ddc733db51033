import { type ISocketFactory, Kafka, type LogEntry, logLevel } from "kafkajs";
import type { Logger } from "../logger.ts";

const levels: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

/**
 * A kafkajs client whose own log lines go through our pino logger. `socketFactory` replaces how broker
 * connections are opened (tests use it to cut the client off from a broker that keeps running).
 */
export function createKafka(
  brokers: string[],
  clientId: string,
  logger: Logger,
  socketFactory?: ISocketFactory,
): Kafka {
  const kafkaLogger = logger.child({ component: "kafkajs" });
  return new Kafka({
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
}
