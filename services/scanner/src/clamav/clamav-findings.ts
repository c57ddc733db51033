import { retry } from "@installhub/shared";
import { type Finding, finding } from "../domain/findings.ts";
import type { ClamdClient, ClamdVerdict } from "./clamd-client.ts";

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

/** clamd answers or the scan fails closed: three tries, 500 ms then 1 s apart. */
function scanWithRetries(clamd: ClamdClient, content: Buffer): Promise<ClamdVerdict> {
  return retry(() => clamd.scan(content), {
    policy: { attempts: 3, initialBackoffMs: 500, maxBackoffMs: 2000 },
  });
}
