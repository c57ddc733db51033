import { createHash } from "node:crypto";

/**
 * A digest of what an install request asks for (package + validated body, defaults applied), so a
 * retry with the same Idempotency-Key is recognised whatever the key order or omitted defaults.
 */
export function requestFingerprint(packageId: string, body: unknown): string {
  return createHash("sha256").update(canonicalJson({ packageId, body })).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      // Object keys are unique, so no two compare equal.
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
