import type { ISocketFactory, Kafka } from "kafkajs";
import { type BaseConfig, baseConfigSchema } from "./config.ts";
import { EventCodec } from "./events/codec.ts";
import { createKafka } from "./kafka/client.ts";
import { createEventPublisher, type EventPublisher } from "./kafka/publisher.ts";
import { ensureTopics, installTopics } from "./kafka/topics.ts";
import { createLogger, type Logger } from "./logger.ts";
import { connectMongo, type MongoConnection } from "./mongo/client.ts";
import { dependencyChecks, type ReadinessCheck } from "./ops/health.ts";

export { baseConfigSchema };

/** What every service connects to at start: Kafka (topics, publisher), the registry (codec) and MongoDB. */
export interface Platform {
  logger: Logger;
  kafka: Kafka;
  codec: EventCodec;
  publisher: EventPublisher;
  mongo: MongoConnection;
  readinessChecks: Record<string, ReadinessCheck>;
  /** Disconnects the publisher and MongoDB; consumers are stopped by their owners first. */
  close(): Promise<void>;
}

/**
 * Makes the install-events topics exist, registers the event schemas and connects a publisher: what
 * anything that produces install events needs first.
 */
export async function connectEventTopic(
  kafka: Kafka,
  config: BaseConfig,
  source: string,
): Promise<{ codec: EventCodec; publisher: EventPublisher }> {
  await ensureTopics(kafka, installTopics(config));
  const codec = new EventCodec(config.SCHEMA_REGISTRY_URL, config.INSTALL_EVENTS_TOPIC);
  await codec.register();
  const publisher = await createEventPublisher({ kafka, codec, topic: config.INSTALL_EVENTS_TOPIC, source });
  return { codec, publisher };
}

/**
 * @example
 * const platform = await connectPlatform("scanner", config);
 * await platform.publisher.publish(event);
 */
export async function connectPlatform(
  service: string,
  config: BaseConfig,
  logger?: Logger,
  options: { socketFactory?: ISocketFactory } = {},
): Promise<Platform> {
  const log = logger ?? createLogger(service, config.LOG_LEVEL);
  const kafka = createKafka(
    config.KAFKA_BROKERS,
    `${config.KAFKA_CLIENT_ID_PREFIX}-${service}`,
    log,
    options.socketFactory,
    { countRequests: config.INSTALLHUB_BENCH_COUNTERS },
  );
  const { codec, publisher } = await connectEventTopic(kafka, config, `installhub/${service}`);
  const mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB, {
    countCommands: config.INSTALLHUB_BENCH_COUNTERS,
  });
  return {
    logger: log,
    kafka,
    codec,
    publisher,
    mongo,
    readinessChecks: dependencyChecks({ kafka, registryUrl: config.SCHEMA_REGISTRY_URL, db: mongo.db }),
    async close() {
      await publisher.disconnect();
      await mongo.close();
    },
  };
}
