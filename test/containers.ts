import { KafkaContainer } from "@testcontainers/kafka";
import { MongoDBContainer } from "@testcontainers/mongodb";
import { GenericContainer, Network, Wait } from "testcontainers";

/** Kafka (KRaft), Apicurio Registry and MongoDB 7 in containers, for machines with a Docker engine. */
export async function startContainers(): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  const network = await new Network().start();
  const [kafka, registry, mongo] = await Promise.all([
    new KafkaContainer("confluentinc/cp-kafka:7.9.0").withKraft().withNetwork(network).start(),
    new GenericContainer("apicurio/apicurio-registry:3.0.9")
      .withEnvironment({ APICURIO_CCOMPAT_LEGACY_ID_MODE_ENABLED: "true" })
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp("/apis/ccompat/v7/subjects", 8080))
      .start(),
    new MongoDBContainer("mongo:7").start(),
  ]);
  return {
    env: {
      KAFKA_BROKERS: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`,
      SCHEMA_REGISTRY_URL: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
      MONGO_URL: `${mongo.getConnectionString()}/?directConnection=true`,
    },
    stop: async () => {
      await Promise.all([kafka.stop(), registry.stop(), mongo.stop()]);
      await network.stop();
    },
  };
}
