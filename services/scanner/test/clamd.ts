import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repositoryRoot } from "@installhub/shared";

export const clamdUrl = "tcp://127.0.0.1:3310";

/** Starts the loopback clamd (idempotent; installs ClamAV on first use where it can). */
export async function startClamd(): Promise<void> {
  await promisify(execFile)(join(repositoryRoot, "infra/clamd.sh"), ["up"], { timeout: 300_000 });
}
