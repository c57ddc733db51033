import type { Finding, FindingSeverity, ScanVerdict } from "@installhub/shared";

export type { Finding };

export function finding(ruleId: string, severity: FindingSeverity, file: string, message: string): Finding {
  return { ruleId, severity, file, message };
}

/** Any critical finding fails the scan, any warning makes it a WARN; otherwise it passes. */
export function verdictOf(findings: readonly Finding[]): ScanVerdict {
  if (findings.some((f) => f.severity === "critical")) return "FAIL";
  if (findings.some((f) => f.severity === "warning")) return "WARN";
  return "PASS";
}
