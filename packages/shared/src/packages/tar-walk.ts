import type { Finding } from "../events/contracts.ts";
import {
  blockSize,
  decodeHeader,
  decodeUtf8,
  isZeroBlock,
  maxExtendedHeaderBytes,
  parsePaxRecords,
  paxKeywordProblem,
  type TarHeader,
} from "./tar-format.ts";

/**
 * The tar walk: which headers, in which order, make an entry, and what each entry may be. Written as a
 * generator that yields how many bytes it needs next and is resumed with exactly those bytes, so the
 * archive reader can feed it while inflating and stop the moment a rule or a limit says so.
 *
 * The rules exist because two readers of one archive must never see two different sets of files
 * (what the scanner approved must be what the installer imports, and what any other tool shows):
 * - Extended headers: one PAX 'x' header, or GNU 'K'/'L' long link/name headers, before one entry —
 *   never both kinds, never two of one kind, never an 'x' or 'g' followed by 'L'/'K' (node-tar before
 *   7.5.16 applied the PAX size to the long-name header, GHSA-vmf3-w455-68vh; astral-tokio-tar,
 *   GHSA-3cv2-h65g-fgmm; the "size desync" of issue 10), never at the end with no entry to apply to.
 * - A PAX `size` must equal the header's size (CVE-2025-62518 TARmageddon: a reader that trusts the
 *   header's 0 reads the data as headers; CVE-2026-33055 tar-rs: the inverse). A PAX `path` that the
 *   ustar name field could have held (ASCII, under 100 bytes) must equal it: writers add the record
 *   only when the field cannot hold the name, so a second, different name is crafted.
 * - Only regular files ('0', '\0' and '7', which POSIX says to read as regular), directories, and —
 *   reported, never kept — hard and symbolic links, devices and FIFOs. Any other typeflag (GNU sparse
 *   'S', multi-volume 'M', vendor letters) stops the walk: how many data blocks follow it depends on
 *   the reader. Links, directories, devices and FIFOs with data stop it too, for the same reason.
 * - Paths: no absolute paths or drive letters, no `..` segment, no control characters, valid UTF-8
 *   (CVE-2007-4559 and CVE-2001-1267 for `..`; `\` counts as a separator, CVE-2021-37701). No path
 *   twice, comparing after dropping `.` and empty segments, `\` as `/`, Unicode NFC and letter case —
 *   names that one file system stores as one file (CVE-2021-37712: NFC/NFD twins; CVE-2018-12015: a
 *   symlink and a file of one name). No entry below a non-directory entry (a file through a symlink,
 *   CVE-2025-45582).
 * - Two zero blocks end the archive; a lone zero block inside it is refused, and whatever follows the
 *   end must be zeros (GNU tar `--ignore-zeros` reads on and would find more entries).
 */

export interface WalkLimits {
  /** Entries allowed, counting every entry and global header (a PAX or GNU extension header is part of its entry). */
  maxEntries: number;
  /** Largest size a header may claim, in bytes; the reader also counts the bytes actually inflated. */
  maxUnpackedBytes: number;
}

export interface WalkState {
  files: Map<string, Buffer>;
  findings: Finding[];
}

/** Reading cannot go on: the finding says why, and what follows would not be trustworthy. */
export class StopReading extends Error {
  readonly finding: Finding;
  constructor(finding: Finding) {
    super(finding.message);
    this.finding = finding;
  }
}

/** Yields a byte count, is resumed with exactly that many bytes; returns at the end-of-archive marker. */
export type TarWalk = Generator<number, void, Buffer>;

export const archiveLabel = "(archive)";

export function archiveFinding(ruleId: string, file: string, message: string): Finding {
  return { ruleId, severity: "critical", file, message };
}

function stop(ruleId: string, file: string, message: string): never {
  throw new StopReading(archiveFinding(ruleId, file, message));
}

/** `./a//b/` and `a/b` name the same file; files are kept, and manifest paths compared, in this form. */
export function normalizeArchivePath(path: string): string {
  return path
    .split("/")
    .filter((segment) => segment !== "" && segment !== ".")
    .join("/");
}

/** The form two names take when some file system would store them as one file. */
function twinKey(path: string): string {
  return path
    .split(/[\\/]/)
    .filter((segment) => segment !== "" && segment !== ".")
    .join("/")
    .normalize("NFC")
    .toLowerCase();
}

type EntryKind = "file" | "directory" | "hard link" | "symbolic link" | "device" | "FIFO";

const kinds: Record<string, EntryKind> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hard link",
  "2": "symbolic link",
  "3": "device",
  "4": "device",
  "5": "directory",
  "6": "FIFO",
};

interface Extensions {
  /** A global PAX header came since the last entry (it applies to every later entry, not just the next). */
  global?: boolean;
  pax?: Map<string, string>;
  longName?: Buffer;
  longLink?: Buffer;
}

const describesNextEntry = new Set(["x", "L", "K"]);
const padded = (size: number) => Math.ceil(size / blockSize) * blockSize;
const shown = (bytes: Buffer) => decodeUtf8(bytes) ?? bytes.toString("latin1");
const printable = (char: string) =>
  /[\x20-\x7e]/.test(char) ? `'${char}'` : `0x${char.charCodeAt(0).toString(16)}`;

/**
 * Walks tar bytes, filling `state.files` (regular files without findings, by normalised path) and
 * `state.findings`. Entry-level findings (a link, a bad path, a duplicate) are reported and the walk
 * goes on; structural ones are thrown as `StopReading`.
 */
export function* walkTar(limits: WalkLimits, state: WalkState): TarWalk {
  const seen = new Map<string, { kind: EntryKind; path: string }>();
  const parents = new Set<string>();
  let pending: Extensions = {};
  let entries = 0;
  let offset = 0;
  const read = function* (size: number): Generator<number, Buffer, Buffer> {
    offset += size;
    return size === 0 ? Buffer.alloc(0) : yield size;
  };

  for (;;) {
    const at = offset;
    const block = yield* read(blockSize);
    if (isZeroBlock(block)) {
      if (!isZeroBlock(yield* read(blockSize))) {
        stop(
          "archive.corrupt",
          archiveLabel,
          `a lone zero block at byte ${at}: readers disagree on whether the archive ends there`,
        );
      }
      if (pending.pax || pending.longName || pending.longLink) {
        stop(
          "archive.header-sequence",
          archiveLabel,
          "an extended header at the end of the archive has no entry",
        );
      }
      return;
    }
    const decoded = decodeHeader(block);
    if ("problem" in decoded) stop("archive.corrupt", archiveLabel, `${decoded.problem} (byte ${at})`);
    const header = decoded.header;
    // x, L and K describe the entry after them and count with it; a global header counts on its own.
    const describesNext = describesNextEntry.has(header.typeflag);
    const name = describesNext ? shown(header.path) : entryName(header, pending);
    if (!describesNext && ++entries > limits.maxEntries) {
      stop("archive.too-many-entries", name, `the archive has more than ${limits.maxEntries} entries`);
    }
    if (header.size > BigInt(limits.maxUnpackedBytes)) {
      stop(
        "archive.unpacked-too-large",
        name,
        `the entry claims ${header.size} bytes, more than the ${limits.maxUnpackedBytes} allowed unpacked`,
      );
    }
    const size = Number(header.size);

    if (describesNext || header.typeflag === "g") {
      if (size > maxExtendedHeaderBytes) {
        stop(
          "archive.corrupt",
          name,
          `an extended header of ${size} bytes (at most ${maxExtendedHeaderBytes})`,
        );
      }
      const body = (yield* read(padded(size))).subarray(0, size);
      pending = extend(pending, header.typeflag, body, name);
      continue;
    }

    const extensions = pending;
    pending = {};
    const kind = kinds[header.typeflag];
    if (!kind) {
      stop("archive.entry-type", name, `unsupported tar entry type ${printable(header.typeflag)}`);
    }
    const path = entryPath(header, extensions);
    const problems = [
      ...pathFindings(path, name, kind),
      ...kindFindings(kind, path ?? name, header, extensions),
    ];
    if (path !== undefined) problems.push(...placeFindings(path, kind, seen, parents));
    state.findings.push(...problems);
    checkAgreement(header, extensions, kind, name);
    if (kind !== "file" && size > 0) {
      stop(
        "archive.corrupt",
        name,
        `a ${kind} entry with ${size} bytes of data: readers disagree on whether data follows`,
      );
    }
    const body = yield* read(padded(size));
    if (kind === "file" && problems.length === 0 && path !== undefined) {
      state.files.set(normalizeArchivePath(path), Buffer.from(body.subarray(0, size)));
    }
  }
}

/** The name findings use for an entry: its resolved path, even when that path is not valid UTF-8. */
function entryName(header: TarHeader, pending: Extensions): string {
  const pax = pending.pax?.get("path");
  if (pax !== undefined) return pax;
  return shown(pending.longName ?? header.path);
}

/** The entry's path: PAX `path`, else the GNU long name, else the header's; undefined when not UTF-8. */
function entryPath(header: TarHeader, extensions: Extensions): string | undefined {
  return extensions.pax?.get("path") ?? decodeUtf8(extensions.longName ?? header.path);
}

function extend(pending: Extensions, typeflag: string, body: Buffer, name: string): Extensions {
  if (typeflag === "L" || typeflag === "K") {
    const value = body.subarray(0, body.length - trailingNuls(body));
    const shownValue = shown(value.subarray(0, value.indexOf(0) === -1 ? value.length : value.indexOf(0)));
    if (pending.pax || pending.global) {
      stop(
        "archive.header-sequence",
        shownValue,
        "a GNU long name/link header after a PAX extended header: readers disagree on which header the PAX record applies to (the size-desync shape)",
      );
    }
    if ((typeflag === "L" && pending.longName) || (typeflag === "K" && pending.longLink)) {
      stop("archive.header-sequence", shownValue, "two GNU long names (or links) for one entry");
    }
    if (value.length === 0 || value.includes(0)) {
      stop("archive.gnu-long-name", shownValue, "a GNU long name that is empty or holds a NUL byte");
    }
    return typeflag === "L" ? { ...pending, longName: value } : { ...pending, longLink: value };
  }
  if (pending.longName || pending.longLink) {
    stop("archive.header-sequence", name, "a PAX extended header after a GNU long name/link header");
  }
  if (pending.pax) {
    stop("archive.header-sequence", name, "a PAX header after another PAX header, before any entry");
  }
  const parsed = parsePaxRecords(body);
  if ("problem" in parsed) stop("archive.pax-invalid", parsed.subject ?? name, parsed.problem);
  for (const [keyword, value] of parsed.records) {
    const problem = paxKeywordProblem(keyword, value, typeflag === "g");
    if (problem) stop("archive.pax-invalid", parsed.records.get("path") ?? name, problem);
  }
  return typeflag === "x" ? { ...pending, pax: parsed.records } : { ...pending, global: true };
}

function trailingNuls(body: Buffer): number {
  let count = 0;
  while (count < body.length && body[body.length - 1 - count] === 0) count++;
  return count;
}

/** The header and its extended headers must not tell two stories (see the module comment). */
function checkAgreement(header: TarHeader, extensions: Extensions, kind: EntryKind, name: string): void {
  const pax = extensions.pax;
  const paxSize = pax?.get("size");
  if (paxSize !== undefined && BigInt(paxSize) !== header.size) {
    stop("archive.pax-mismatch", name, `PAX size ${paxSize} contradicts the header's size ${header.size}`);
  }
  const paxPath = pax?.get("path");
  if (paxPath !== undefined && /^[\x20-\x7e]{1,99}$/.test(paxPath) && paxPath !== shown(header.path)) {
    stop(
      "archive.pax-mismatch",
      name,
      `PAX path contradicts the header's name ${JSON.stringify(shown(header.path))}, which could have held it`,
    );
  }
  const longName = extensions.longName;
  if (longName && !longName.subarray(0, header.path.length).equals(header.path)) {
    stop(
      "archive.gnu-long-name",
      name,
      `the GNU long name contradicts the header's name ${JSON.stringify(shown(header.path))}`,
    );
  }
  if (kind === "hard link" || kind === "symbolic link") return;
  if (pax?.has("linkpath")) stop("archive.pax-mismatch", name, `a PAX linkpath on a ${kind} entry`);
  if (extensions.longLink) stop("archive.header-sequence", name, `a GNU long link before a ${kind} entry`);
  if (header.linkname.length > 0) stop("archive.corrupt", name, `a link target on a ${kind} entry`);
}

function pathFindings(path: string | undefined, name: string, kind: EntryKind): Finding[] {
  if (path === undefined) {
    return [archiveFinding("archive.path-characters", name, "entry path is not valid UTF-8")];
  }
  const findings: Finding[] = [];
  // `./` as a directory is what `tar -C dir .` writes first; anything else needs a name.
  if (normalizeArchivePath(path) === "" && kind !== "directory") {
    findings.push(archiveFinding("archive.path-characters", name, "entry has no name"));
  }
  if (/^[\\/]/.test(path)) {
    findings.push(archiveFinding("archive.absolute-path", path, "entry has an absolute path"));
  } else if (/^[a-z]:/i.test(path)) {
    findings.push(archiveFinding("archive.absolute-path", path, "entry path starts with a drive letter"));
  }
  // Backslashes count as separators: an extractor on Windows treats them as such.
  if (path.split(/[\\/]/).includes("..")) {
    findings.push(archiveFinding("archive.path-traversal", path, "entry path climbs out with '..'"));
  }
  if ([...path].some(isControlCharacter)) {
    findings.push(archiveFinding("archive.path-characters", path, "entry path holds control characters"));
  }
  return findings;
}

/** C0 controls (NUL, newline, escape, …), DEL and C1 controls: names no terminal or log shows as they are. */
function isControlCharacter(char: string): boolean {
  const code = char.codePointAt(0)!;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

function kindFindings(kind: EntryKind, path: string, header: TarHeader, extensions: Extensions): Finding[] {
  const target = () => extensions.pax?.get("linkpath") ?? shown(extensions.longLink ?? header.linkname);
  switch (kind) {
    case "symbolic link":
      return [archiveFinding("archive.symlink", path, `symbolic link to ${target()}`)];
    case "hard link":
      return [archiveFinding("archive.hardlink", path, `hard link to ${target()}`)];
    case "device":
    case "FIFO":
      return [archiveFinding("archive.device-entry", path, `${kind} entry`)];
    case "file":
      // Pre-POSIX tars made a directory of a regular file whose name ends in '/'; node-tar still does.
      return path.endsWith("/")
        ? [archiveFinding("archive.entry-type", path, "a regular file named like a directory")]
        : [];
    case "directory":
      return [];
  }
}

/** Duplicates, twins, and entries below a non-directory: where the entry lands beside the others. */
function placeFindings(
  path: string,
  kind: EntryKind,
  seen: Map<string, { kind: EntryKind; path: string }>,
  parents: Set<string>,
): Finding[] {
  const key = twinKey(path);
  if (key === "") return [];
  const findings: Finding[] = [];
  const segments = key.split("/");
  for (let i = 1; i < segments.length; i++) {
    const above = seen.get(segments.slice(0, i).join("/"));
    if (above && above.kind !== "directory") {
      findings.push(
        archiveFinding("archive.path-conflict", path, `entry lies below the ${above.kind} ${above.path}`),
      );
      break;
    }
  }
  const earlier = seen.get(key);
  if (earlier && !(earlier.kind === "directory" && kind === "directory")) {
    const same =
      earlier.path === path
        ? ""
        : " (the same name once ./, //, \\, Unicode form and letter case are normalised)";
    findings.push(
      archiveFinding("archive.duplicate-entry", path, `the archive already holds ${earlier.path}${same}`),
    );
  } else if (!earlier && kind !== "directory" && parents.has(key)) {
    findings.push(
      archiveFinding("archive.path-conflict", path, `a ${kind} where earlier entries have a directory`),
    );
  }
  if (!earlier) seen.set(key, { kind, path });
  for (let i = 1; i < segments.length; i++) parents.add(segments.slice(0, i).join("/"));
  return findings;
}
