// Before anything starts: Kafka, the schema registry and MongoDB must answer. When none is configured
// and none answers on the loopback defaults, the local infrastructure is started (`npm run infra up`).
import { baseConfigSchema, parseConfig } from "@installhub/shared";
import { Kafka, logLevel } from "kafkajs";
import { MongoClient } from "mongodb";
import { infraIsUp, infraUrls, runInfra } from "../lib/infra.ts";

async function problems(): Promise<string[]> {
  const config = parseConfig(baseConfigSchema, process.env);
  const kafka = async () => {
    const admin = new Kafka({
      brokers: config.KAFKA_BROKERS,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { retries: 0 },
    }).admin();
    await admin.connect();
    try {
      await admin.describeCluster();
    } finally {
      await admin.disconnect();
    }
  };
  const registry = async () => {
    const response = await fetch(`${config.SCHEMA_REGISTRY_URL.replace(/\/$/, "")}/subjects`, {
      signal: AbortSignal.timeout(3000),
    });
    if (!response.ok) throw new Error(`answered ${response.status}`);
  };
  const mongo = async () => {
    const client = new MongoClient(config.MONGO_URL, { serverSelectionTimeoutMS: 3000 });
    try {
      await client.db("admin").command({ ping: 1 });
    } finally {
      await client.close();
    }
  };
  const checks = [
    ["Kafka", config.KAFKA_BROKERS.join(","), kafka],
    ["schema registry", config.SCHEMA_REGISTRY_URL, registry],
    ["MongoDB", config.MONGO_URL, mongo],
  ] as const;
  const results = await Promise.all(
    checks.map(([name, where, check]) =>
      check().then(
        () => undefined,
        (error: unknown) => `${name} at ${where}: ${(error as Error).message}`,
      ),
    ),
  );
  return results.filter((problem) => problem !== undefined);
}

/**
 * Resolves when the infrastructure answers; otherwise exits at once saying which part did not. When
 * none of KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGO_URL is set and this checkout's infrastructure
 * is not up, it is started (`infra/infra.sh up`, on its INFRA_*_PORT ports) and its URLs put in the
 * environment. Returns whether it was started here, so the caller stops it again at the end.
 *
 * @example
 * const startedHere = await ensureInfrastructure();
 */
export async function ensureInfrastructure(): Promise<boolean> {
  if (process.platform !== "linux") {
    process.stderr.write("npm run bench reads each process's RSS from /proc, which only Linux has\n");
    process.exit(1);
  }
  const configured = ["KAFKA_BROKERS", "SCHEMA_REGISTRY_URL", "MONGO_URL"].some((name) => process.env[name]);
  const startedHere = !configured && !infraIsUp("infra.sh");
  if (startedHere) runInfra("infra.sh", "up");
  if (!configured) Object.assign(process.env, infraUrls());
  const found = await problems();
  if (found.length > 0) {
    process.stderr.write(
      `npm run bench needs Kafka, the schema registry and MongoDB, and these did not answer:\n  ${found.join("\n  ")}\n` +
        "Start them with `npm run infra up`, or point KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGO_URL at running ones.\n",
    );
    process.exit(1);
  }
  return startedHere;
}
