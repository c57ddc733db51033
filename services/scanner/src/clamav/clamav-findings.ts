import { retry } from "@installhub/shared";
import { type Finding, finding } from "../domain/findings.ts";
import { type ClamdClient, ClamdError, type ClamdVerdict } from "./clamd-client.ts";

/**
 * Streams every archive file to clamd; detections become critical findings. When clamd answers that
 * it cannot scan a file the scan fails closed (a critical finding): an unscanned file is never let
 * through. When clamd does not answer after a few quick tries, `ClamdUnreachable` (transient) is
 * thrown: the consumer waits for clamd and scans again, and no install fails because clamd restarted.
 *
 * @throws ClamdUnreachable — clamd did not answer
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
      if (!(error instanceof ClamdError)) throw error;
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

/** Three quick tries, 500 ms then 1 s apart, before the failure goes to the caller. */
function scanWithRetries(clamd: ClamdClient, content: Buffer): Promise<ClamdVerdict> {
  return retry(() => clamd.scan(content), {
    policy: { attempts: 3, initialBackoffMs: 500, maxBackoffMs: 2000 },
  });
}
