// Before anything starts: Kafka, the schema registry and MongoDB must answer. When none is configured
// and none answers on the loopback defaults, the local infrastructure is started (`pnpm infra up`).
import { execFileSync } from "node:child_process";
import { baseConfigSchema, parseConfig } from "@installhub/shared";
import { Kafka, logLevel } from "kafkajs";
import { MongoClient } from "mongodb";

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
 * Resolves when the infrastructure answers; otherwise exits at once saying which part did not.
 *
 * @example
 * await ensureInfrastructure(repositoryRoot);
 */
export async function ensureInfrastructure(root: string): Promise<void> {
  if (process.platform !== "linux") {
    process.stderr.write("pnpm bench reads each process's RSS from /proc, which only Linux has\n");
    process.exit(1);
  }
  let found = await problems();
  const configured = ["KAFKA_BROKERS", "SCHEMA_REGISTRY_URL", "MONGO_URL"].some((name) => process.env[name]);
  if (found.length === 3 && !configured) {
    execFileSync("bash", ["infra/infra.sh", "up"], { cwd: root, stdio: "inherit" });
    found = await problems();
  }
  if (found.length > 0) {
    process.stderr.write(
      `pnpm bench needs Kafka, the schema registry and MongoDB, and these did not answer:\n  ${found.join("\n  ")}\n` +
        "Start them with `pnpm infra up`, or point KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGO_URL at running ones.\n",
    );
    process.exit(1);
  }
}
