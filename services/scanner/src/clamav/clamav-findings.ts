import { setTimeout as sleep } from "node:timers/promises";
import { type Finding, finding } from "../domain/findings.ts";
import type { ClamdClient, ClamdVerdict } from "./clamd-client.ts";

const attempts = 3;

/**
 * Streams every archive file to clamd; detections become critical findings. When clamd cannot scan
 * after a few attempts the scan fails closed: an unscanned file is never let through.
 */
export async function clamavFindings(
  files: ReadonlyMap<string, Buffer>,
  clamd: ClamdClient,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [path, content] of files) {
    try {
      const verdict = await scanWithRetries(clamd, content);
      if (verdict.infected) {
        findings.push(finding("clamav.detection", "critical", path, `ClamAV detected ${verdict.signature}`));
      }
    } catch (error) {
      findings.push(
        finding(
          "clamav.unavailable",
          "critical",
          path,
          `ClamAV could not scan the file: ${(error as Error).message}`,
        ),
      );
    }
  }
  return findings;
}

async function scanWithRetries(clamd: ClamdClient, content: Buffer): Promise<ClamdVerdict> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await clamd.scan(content);
    } catch (error) {
      if (attempt >= attempts) throw error;
      await sleep(250 * 2 ** attempt);
    }
  }
}
