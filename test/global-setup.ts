import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

/** Runs `bash <script> <command>`; stdout as asked, stderr to the terminal. Throws when it fails. */
function run(script: string, command: string, stdout: "inherit" | "ignore" | "pipe" = "inherit"): string {
  return execFileSync("bash", [resolve(root, script), command], {
    stdio: ["ignore", stdout, "inherit"],
    encoding: "utf8",
  });
}

function succeeds(script: string, command: string): boolean {
  try {
    run(script, command, "ignore");
    return true;
  } catch {
    return false;
  }
}

/**
 * Chooses the infrastructure every test runs against, in this order:
 *  1. KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGO_URL from the environment;
 *  2. testcontainers (Kafka, Apicurio Registry, MongoDB 7) when a Docker engine answers;
 *  3. this checkout's local infrastructure (`infra/infra.sh up`: Kafka, Apicurio, FerretDB on loopback,
 *     on the ports INFRA_KAFKA_PORT, INFRA_REGISTRY_PORT, … choose), started here if it is not running.
 *     A component whose URL is set is used as it is; another checkout's servers on the same ports stop
 *     the run with a line saying whose they are.
 * It logs which one it chose and exports the URLs to the test workers. Whatever it started (and the
 * clamd the scanner's ClamAV test starts, infra/clamd.sh) it stops at the end.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const clamdWasUp = Boolean(process.env.CLAMD_URL) || succeeds("infra/clamd.sh", "status");
  const stopClamd = () => {
    if (!clamdWasUp) run("infra/clamd.sh", "down", "ignore");
  };

  if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL && process.env.MONGO_URL) {
    console.log(
      `[test infra] using the environment: ${process.env.KAFKA_BROKERS}, ${process.env.SCHEMA_REGISTRY_URL}, ${process.env.MONGO_URL}`,
    );
    return async () => stopClamd();
  }
  if (await dockerAnswers()) {
    const { startContainers } = await import("./containers.ts");
    const containers = await startContainers();
    Object.assign(process.env, containers.env);
    console.log(`[test infra] using testcontainers: ${Object.values(containers.env).join(", ")}`);
    return async () => {
      stopClamd();
      await containers.stop();
    };
  }
  // `status` counts only this checkout's own servers, each answering on its port.
  const alreadyUp = succeeds("infra/infra.sh", "status");
  console.log(
    `[test infra] no Docker engine; using the local infrastructure (infra/infra.sh, ${alreadyUp ? "already running" : "starting it"})`,
  );
  if (!alreadyUp) run("infra/infra.sh", "up");
  // The URLs of the servers it runs, on the ports they were started with.
  const urls = Object.fromEntries(
    [...run("infra/infra.sh", "env", "pipe").matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]),
  );
  Object.assign(process.env, urls);
  console.log(`[test infra] ${Object.values(urls).join(", ")}`);
  // Leave the machine as it was found: stop only what this run started.
  return async () => {
    stopClamd();
    if (!alreadyUp) run("infra/infra.sh", "down");
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
