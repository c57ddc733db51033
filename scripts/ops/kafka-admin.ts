import type { BaseConfig } from "@installhub/shared";
import { Kafka, logLevel } from "kafkajs";

export function opsKafka(config: BaseConfig): Kafka {
  return new Kafka({ brokers: config.KAFKA_BROKERS, clientId: "installhub-ops", logLevel: logLevel.ERROR });
}

export { topicOffsets, withAdmin } from "@installhub/shared";
