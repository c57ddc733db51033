import { Kafka, type LogEntry, logLevel } from "kafkajs";
import type { Logger } from "../logger.ts";

const levels: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

/** A kafkajs client whose own log lines go through our pino logger. */
export function createKafka(brokers: string[], clientId: string, logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: "kafkajs" });
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        kafkaLogger[levels[level] ?? "info"](extra, message);
      },
  });
}
