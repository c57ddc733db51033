/**
 * Decoding of tar's on-disk structures, strictly: one 512-byte header block, a PAX extended header's
 * records, and the gzip member around them. Every function returns a value or a `problem` sentence;
 * none of them throws on hostile input. Which *sequences* of headers are accepted is decided in
 * `tar-walk.ts`.
 *
 * Formats: POSIX.1-2017 (IEEE Std 1003.1-2017) XCU `pax`, "ustar Interchange Format" (header layout,
 * checksum) and "pax Interchange Format" (extended header records); GNU tar manual, "Basic Tar Format"
 * (the `ustar  \0` magic, base-256 numbers, 'L'/'K' long names); RFC 1952 (gzip member format).
 */

export const blockSize = 512;

/** Extended headers (PAX or GNU long names) larger than this are refused, as Go does (CVE-2022-2879). */
export const maxExtendedHeaderBytes = 1024 * 1024;

export type Problem = { problem: string };

export interface TarHeader {
  /** The typeflag byte as a character: "0", "\0", "7", "5", "x", "L", … */
  typeflag: string;
  /** Path bytes as stored: ustar `prefix + "/" + name`, or the name field alone (GNU format). */
  path: Buffer;
  linkname: Buffer;
  /** Data bytes that follow the header (before padding to 512). */
  size: bigint;
  format: "ustar" | "gnu";
}

const ustarMagic = Buffer.from("ustar\u000000", "latin1");
const gnuMagic = Buffer.from("ustar  \u0000", "latin1");

export function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

/** A NUL-terminated field: the bytes before the first NUL (all of them when there is none). */
function cString(block: Buffer, offset: number, length: number): Buffer {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return end === -1 ? field : field.subarray(0, end);
}

/**
 * A numeric header field: octal digits after optional spaces, ended by NUL or space to the field's end
 * (POSIX ustar), or GNU base-256 (first byte 0x80, big-endian value in the rest). Negative base-256
 * numbers, signs, stray characters and embedded spaces are refused: readers decode those differently
 * (GNU tar's own base-256 decoding was CVE-2022-48303).
 */
export function parseNumericField(field: Buffer): bigint | undefined {
  if (field[0] === undefined) return undefined;
  if (field[0] & 0x80) {
    if (field[0] !== 0x80) return undefined;
    let value = 0n;
    for (const byte of field.subarray(1)) value = (value << 8n) | BigInt(byte);
    return value;
  }
  const match = /^ *([0-7]*)[ \0]*$/.exec(field.toString("latin1"));
  if (!match) return undefined;
  return match[1] === "" ? 0n : BigInt(`0o${match[1]}`);
}

/**
 * Decodes one header block. Only POSIX ustar (`ustar\0` + `00`) and GNU (`ustar  \0`) headers are
 * read: pre-POSIX (v7) headers have no magic and no prefix field, and GNU headers use the ustar prefix
 * bytes for times and sparse maps, so the magic decides how the path is assembled. The checksum is the
 * unsigned byte sum with the checksum field read as spaces (POSIX; the historical signed sum is refused).
 */
export function decodeHeader(block: Buffer): { header: TarHeader } | Problem {
  const magic = block.subarray(257, 265);
  const format = magic.equals(ustarMagic) ? "ustar" : magic.equals(gnuMagic) ? "gnu" : undefined;
  if (!format) return { problem: "a header that is neither POSIX ustar nor GNU tar (no ustar magic)" };
  const stored = parseNumericField(block.subarray(148, 156));
  let sum = 8 * 0x20;
  for (let i = 0; i < blockSize; i++) if (i < 148 || i >= 156) sum += block[i]!;
  if (stored === undefined || stored !== BigInt(sum)) return { problem: "a header whose checksum is wrong" };
  const size = parseNumericField(block.subarray(124, 136));
  if (size === undefined) return { problem: "a header whose size field is not a number" };
  const name = cString(block, 0, 100);
  const prefix = format === "ustar" ? cString(block, 345, 155) : Buffer.alloc(0);
  return {
    header: {
      typeflag: String.fromCharCode(block[156]!),
      path: prefix.length > 0 ? Buffer.concat([prefix, Buffer.from("/"), name]) : name,
      linkname: cString(block, 157, 100),
      size,
      format,
    },
  };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Strict UTF-8, or undefined: a name other readers would decode differently is not a name. */
export function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export interface PaxRecords {
  /** Keyword → value; every keyword at most once. */
  records: Map<string, string>;
}

/**
 * Parses a PAX extended header body: records `"%d %s=%s\n"` whose decimal length counts the whole
 * record, back to back, filling the body exactly (POSIX pax, "pax Extended Header"). Refused: a
 * length that does not land on the record's newline, a keyword without `=`, a keyword given twice
 * (readers keep the first or the last), and any NUL or newline inside a keyword or value — a reader
 * that splits on newlines (node-tar's, for one) or stops at NUL sees other records or a cut path
 * than one that follows the lengths.
 *
 * `problem.subject` is what the bad record would have named (a path up to its NUL), for the finding.
 */
export function parsePaxRecords(body: Buffer): PaxRecords | (Problem & { subject?: string }) {
  const records = new Map<string, string>();
  let position = 0;
  while (position < body.length) {
    const space = body.indexOf(0x20, position);
    const digits = space === -1 ? "" : body.toString("latin1", position, space);
    if (!/^[1-9][0-9]{0,7}$/.test(digits)) {
      return { problem: `PAX record at byte ${position} has no valid length` };
    }
    const end = position + Number(digits);
    if (end > body.length || body[end - 1] !== 0x0a) {
      return { problem: `PAX record at byte ${position} does not end where its length says` };
    }
    const record = body.subarray(space + 1, end - 1);
    const equals = record.indexOf(0x3d);
    const keyword = equals > 0 ? decodeUtf8(record.subarray(0, equals)) : undefined;
    if (keyword === undefined) return { problem: `PAX record at byte ${position} has no keyword` };
    const raw = record.subarray(equals + 1);
    const subject = /path$/.test(keyword) ? raw.toString("utf8").split(/[\0\n]/)[0] : undefined;
    if (record.includes(0x00)) {
      return {
        problem: `PAX record "${keyword}" holds a NUL byte; readers that stop at it see less`,
        subject,
      };
    }
    if (record.includes(0x0a)) {
      return {
        problem: `PAX record "${keyword}" holds a newline; line-based readers see other records`,
        subject,
      };
    }
    const value = decodeUtf8(raw);
    if (value === undefined) return { problem: `PAX record "${keyword}" is not UTF-8`, subject };
    if (records.has(keyword)) return { problem: `PAX record "${keyword}" is given twice`, subject };
    records.set(keyword, value);
    position = end;
  }
  return { records };
}

/**
 * What InstallHub does with each PAX keyword: `path`, `linkpath` and `size` describe the entry and are
 * checked against its header; sparse files (`GNU.sparse.*`) and non-UTF-8 names (`hdrcharset`) are
 * refused because readers that do not implement them read other bytes; every other keyword (times,
 * owners, `comment`, `SCHILY.*`, `LIBARCHIVE.*`) changes nothing we read and is ignored, as POSIX
 * allows. A global header ('g') may not set `path`, `linkpath` or `size`: node-tar ignores a global
 * path but applies a global size, Python's tarfile applies both — they would read different entries.
 */
export function paxKeywordProblem(keyword: string, value: string, global: boolean): string | undefined {
  if (keyword.startsWith("GNU.sparse.")) return `PAX record "${keyword}": sparse files are not accepted`;
  if (keyword === "hdrcharset" && value !== "ISO-IEC 10646-2000-UTF-8") {
    return `PAX hdrcharset ${value}: only UTF-8 names are accepted`;
  }
  if (keyword === "size" && !/^(0|[1-9][0-9]{0,18})$/.test(value)) {
    return `PAX size "${value}" is not a decimal number`;
  }
  if ((keyword === "path" || keyword === "linkpath") && value === "") return `PAX ${keyword} is empty`;
  if (global && (keyword === "path" || keyword === "linkpath" || keyword === "size")) {
    return `a global PAX header sets "${keyword}" for every entry after it; readers disagree on that`;
  }
  return undefined;
}

/**
 * The gzip member header (RFC 1952 §2.3): magic 1f 8b, method 8 (deflate), no reserved flag bits, and
 * the optional extra field, name, comment and header CRC skipped as the flags say. Returns where the
 * deflate data begins.
 */
export function gzipHeaderLength(bytes: Buffer, crc32: (data: Buffer) => number): number | Problem {
  if (bytes[2] !== 8) return { problem: `gzip compression method ${bytes[2]} is not deflate (RFC 1952)` };
  const flags = bytes[3] ?? 0;
  if (flags & 0xe0) return { problem: "gzip header has reserved flag bits set (RFC 1952 §2.3.1)" };
  let position = 10;
  if (flags & 0x04) position += 2 + (bytes.length >= position + 2 ? bytes.readUInt16LE(position) : 0);
  for (const flag of [0x08, 0x10]) {
    if (!(flags & flag)) continue;
    const end = bytes.indexOf(0, position);
    if (end === -1) return { problem: "gzip header name or comment is not terminated" };
    position = end + 1;
  }
  if (flags & 0x02) {
    if (bytes.length < position + 2) return { problem: "gzip header is cut short" };
    if ((crc32(bytes.subarray(0, position)) & 0xffff) !== bytes.readUInt16LE(position)) {
      return { problem: "gzip header CRC does not match" };
    }
    position += 2;
  }
  return position > bytes.length ? { problem: "gzip header is cut short" } : position;
}
