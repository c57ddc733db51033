import type { ApprovedFile } from "../events/contracts.ts";
import { sha256Hex } from "./signing.ts";

/**
 * The (path, sha256) list a verdict approves: every regular file `readArchive` returned, sorted by
 * path (UTF-16 code unit order, so the list is the same on every machine).
 *
 * @example
 * approvedFilesOf(new Map([["manifest.json", bytes]])) // [{ path: "manifest.json", sha256: "…" }]
 */
export function approvedFilesOf(files: ReadonlyMap<string, Buffer>): ApprovedFile[] {
  return (
    [...files]
      .map(([path, bytes]) => ({ path, sha256: sha256Hex(bytes) }))
      // Map keys are unique, so no two paths compare equal.
      .sort((a, b) => (a.path < b.path ? -1 : 1))
  );
}

/** How the files read from an archive differ from an approved list; each list holds paths. */
export interface ApprovalDifference {
  /** Read from the archive, not in the list. */
  unapproved: string[];
  /** In the list, not read from the archive. */
  missing: string[];
  /** In both, with other bytes. */
  changed: string[];
  /** Listed more than once (a list no scanner writes). */
  repeated: string[];
}

/**
 * Compares the files read from an archive with the list a verdict approved; undefined when they are
 * exactly the same files with the same digests.
 */
export function approvalDifference(
  files: ReadonlyMap<string, Buffer>,
  approved: readonly ApprovedFile[],
): ApprovalDifference | undefined {
  const listed = new Map<string, string>();
  const repeated: string[] = [];
  for (const { path, sha256 } of approved) {
    if (listed.has(path)) repeated.push(path);
    listed.set(path, sha256);
  }
  const unapproved: string[] = [];
  const changed: string[] = [];
  for (const [path, bytes] of files) {
    const sha256 = listed.get(path);
    if (sha256 === undefined) unapproved.push(path);
    else if (sha256 !== sha256Hex(bytes)) changed.push(path);
  }
  const missing = [...listed.keys()].filter((path) => !files.has(path));
  const differs = unapproved.length + missing.length + changed.length + repeated.length > 0;
  return differs ? { unapproved, missing, changed, repeated } : undefined;
}
