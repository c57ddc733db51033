import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repositoryRoot } from "@installhub/shared";

const clamdScript = join(repositoryRoot, "infra/clamd.sh");

/**
 * Starts this checkout's loopback clamd (idempotent; installs ClamAV on first use where it can) on
 * INFRA_CLAMD_PORT (default 3310), or uses the one CLAMD_URL names, and returns its `tcp://` URL.
 * Rejects with clamd.sh's one-line reason when another process holds the port.
 */
export async function startClamd(): Promise<string> {
  await promisify(execFile)(clamdScript, ["up"], { timeout: 300_000 });
  const { stdout } = await promisify(execFile)(clamdScript, ["url"]);
  return stdout.trim();
}
