import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

/**
 * Chooses the infrastructure every test runs against, in this order:
 *  1. KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGO_URL from the environment;
 *  2. testcontainers (Kafka, Apicurio Registry, MongoDB 7) when a Docker engine answers;
 *  3. the project's local infrastructure (`infra/infra.sh up`: Kafka, Apicurio, FerretDB on loopback).
 * It logs which one it chose and exports the URLs to the test workers.
 */
export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL && process.env.MONGO_URL) {
    console.log(
      `[test infra] using the environment: ${process.env.KAFKA_BROKERS}, ${process.env.SCHEMA_REGISTRY_URL}, ${process.env.MONGO_URL}`,
    );
    return async () => {};
  }
  if (await dockerAnswers()) {
    const { startContainers } = await import("./containers.ts");
    const containers = await startContainers();
    Object.assign(process.env, containers.env);
    console.log(`[test infra] using testcontainers: ${Object.values(containers.env).join(", ")}`);
    return containers.stop;
  }
  const root = resolve(import.meta.dirname, "..");
  const infra = (command: string) =>
    execFileSync("bash", [resolve(root, "infra/infra.sh"), command], { stdio: "inherit" });
  const alreadyUp = (() => {
    try {
      execFileSync("bash", [resolve(root, "infra/infra.sh"), "status"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  console.log(
    `[test infra] no Docker engine; using the local infrastructure (infra/infra.sh, ${alreadyUp ? "already running" : "starting it"})`,
  );
  if (!alreadyUp) infra("up");
  Object.assign(process.env, {
    KAFKA_BROKERS: "127.0.0.1:9092",
    SCHEMA_REGISTRY_URL: "http://127.0.0.1:8081/apis/ccompat/v7",
    MONGO_URL: "mongodb://127.0.0.1:27017/",
  });
  // Leave the machine as it was found: stop only what this run started.
  return async () => {
    if (!alreadyUp) infra("down");
  };
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 5000)),
    ]);
    return true;
  } catch {
    return false;
  }
}
