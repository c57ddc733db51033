// Readiness probe used by infra.sh: exits 0 only when the component really answers.
//   node infra/probe.ts kafka 127.0.0.1:9092      — broker metadata
//   node infra/probe.ts mongodb mongodb://…        — database ping
import { Kafka, logLevel } from "kafkajs";
import { MongoClient } from "mongodb";

const [component, address] = process.argv.slice(2);

async function probeKafka(broker: string): Promise<void> {
  const admin = new Kafka({ brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error("no broker in metadata");
  } finally {
    await admin.disconnect();
  }
}

async function probeMongo(url: string): Promise<void> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 2000 });
  try {
    await client.db("admin").command({ ping: 1 });
  } finally {
    await client.close();
  }
}

try {
  if (component === "kafka" && address) await probeKafka(address);
  else if (component === "mongodb" && address) await probeMongo(address);
  else throw new Error(`unknown component ${component}`);
} catch (error) {
  console.error(`${component}: ${(error as Error).message}`);
  process.exit(1);
}
