import { type Finding, finding } from "./findings.ts";

export interface EntryHeader {
  path: string;
  /** node-tar's entry type name: File, Directory, SymbolicLink, Link, CharacterDevice, … */
  type: string;
  linkpath?: string | undefined;
}

const contentTypes = new Set(["File", "OldFile", "ContiguousFile", "Directory"]);

/** `./a//b/` and `a/b` name the same file; manifest paths and entry paths are compared in this form. */
export function normalizeEntryPath(path: string): string {
  return path
    .split("/")
    .filter((segment) => segment !== "" && segment !== ".")
    .join("/");
}

/** What is wrong with one tar entry's header: where it would be written and what kind of entry it is. */
export function entryFindings(entry: EntryHeader): Finding[] {
  return [...pathFindings(entry.path), ...typeFindings(entry)];
}

function pathFindings(path: string): Finding[] {
  const findings: Finding[] = [];
  if (path.startsWith("/") || path.startsWith("\\")) {
    findings.push(finding("archive.absolute-path", "critical", path, "entry has an absolute path"));
  } else if (/^[a-z]:/i.test(path)) {
    findings.push(
      finding("archive.absolute-path", "critical", path, "entry path starts with a drive letter"),
    );
  }
  // Backslashes count as separators: an installer on Windows would treat them as such.
  if (path.split(/[\\/]/).includes("..")) {
    findings.push(finding("archive.path-traversal", "critical", path, "entry path climbs out with '..'"));
  }
  if ([...path].some((char) => char.charCodeAt(0) < 0x20)) {
    findings.push(
      finding("archive.path-characters", "critical", path, "entry path holds control characters"),
    );
  }
  return findings;
}

function typeFindings(entry: EntryHeader): Finding[] {
  switch (entry.type) {
    case "SymbolicLink":
      return [
        finding("archive.symlink", "critical", entry.path, `symbolic link to ${entry.linkpath ?? "?"}`),
      ];
    case "Link":
      return [finding("archive.hardlink", "critical", entry.path, `hard link to ${entry.linkpath ?? "?"}`)];
    case "CharacterDevice":
    case "BlockDevice":
    case "FIFO":
      return [finding("archive.device-entry", "critical", entry.path, `${entry.type} entry`)];
    default:
      return contentTypes.has(entry.type)
        ? []
        : [finding("archive.entry-type", "critical", entry.path, `unsupported tar entry type ${entry.type}`)];
  }
}
