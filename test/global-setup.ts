import { infraIsUp, infraUrls, runInfra } from "../scripts/lib/infra.ts";

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
  const clamdWasUp = Boolean(process.env.CLAMD_URL) || infraIsUp("clamd.sh");
  const stopClamd = () => {
    if (!clamdWasUp) runInfra("clamd.sh", "down", "ignore");
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
  const alreadyUp = infraIsUp("infra.sh");
  console.log(
    `[test infra] no Docker engine; using the local infrastructure (infra/infra.sh, ${alreadyUp ? "already running" : "starting it"})`,
  );
  if (!alreadyUp) {
    try {
      runInfra("infra.sh", "up");
    } catch {
      // infra.sh said why on stderr, in a line or three; a stack trace of this file adds nothing.
      console.error("[test infra] the local infrastructure did not start (see above); no test ran");
      process.exit(1);
    }
  }
  const urls = infraUrls();
  Object.assign(process.env, urls);
  console.log(`[test infra] ${Object.values(urls).join(", ")}`);
  // Leave the machine as it was found: stop only what this run started.
  return async () => {
    stopClamd();
    if (!alreadyUp) runInfra("infra.sh", "down");
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
