// This checkout's local infrastructure (infra/infra.sh, infra/clamd.sh) from Node: the test global
// setup and `npm run bench` start it when needed and read the URLs it serves on.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { repositoryRoot } from "@installhub/shared";

/**
 * Runs `bash infra/<script> <command>`: its stdout as asked, its stderr (progress, refusals) to the
 * terminal. Throws when the script fails.
 */
export function runInfra(
  script: "infra.sh" | "clamd.sh",
  command: string,
  stdout: "inherit" | "ignore" | "pipe" = "inherit",
): string {
  return execFileSync("bash", [join(repositoryRoot, "infra", script), command], {
    stdio: ["ignore", stdout, "inherit"],
    encoding: "utf8",
  });
}

/** Whether `bash infra/<script> status` succeeds: every component this checkout's own and answering. */
export function infraIsUp(script: "infra.sh" | "clamd.sh"): boolean {
  try {
    runInfra(script, "status", "ignore");
    return true;
  } catch {
    return false;
  }
}

/**
 * KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGO_URL of the infrastructure: the environment's where
 * set, else this checkout's on the ports it runs on (INFRA_*_PORT), from `infra.sh env`.
 *
 * @example
 * Object.assign(process.env, infraUrls()); // { KAFKA_BROKERS: "127.0.0.1:9092", … }
 */
export function infraUrls(): Record<string, string> {
  const lines = runInfra("infra.sh", "env", "pipe").matchAll(/^export (\w+)='(.*)'$/gm);
  return Object.fromEntries([...lines].map((m) => [m[1]!, m[2]!.replaceAll("'\\''", "'")]));
}
