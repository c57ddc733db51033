import { crc32, createInflateRaw } from "node:zlib";
import type { Finding } from "../events/contracts.ts";
import { gzipHeaderLength, isZeroBlock } from "./tar-format.ts";
import { archiveFinding, archiveLabel, StopReading, type TarWalk, walkTar } from "./tar-walk.ts";

export { normalizeArchivePath } from "./tar-walk.ts";

export interface ArchiveLimits {
  /** Entries allowed (files, directories, links, …; an entry's PAX or GNU extension headers are part of it). */
  maxEntries: number;
  /** Uncompressed tar bytes allowed. */
  maxUnpackedBytes: number;
  /** Uncompressed tar bytes allowed per archive byte. */
  maxCompressionRatio: number;
}

export interface ArchiveContents {
  /** Regular files by normalised path (`normalizeArchivePath`); entries with findings are never kept. */
  files: Map<string, Buffer>;
  /** Every finding is critical: an archive with any finding must not be installed. */
  findings: Finding[];
  /** False when reading stopped early (a limit, corrupt or ambiguous data): what is missing was never seen. */
  complete: boolean;
}

/**
 * The one reader of package archives, used by the scanner to decide and by the installer to import,
 * so that what is imported is byte for byte what was scanned. It reads a gzip'd tar entirely in
 * memory (nothing touches a disk, so no entry can land anywhere) and is strict on purpose: an archive
 * that two tar implementations could read differently is refused, not interpreted (the rules and the
 * formats and CVEs behind them are in `tar-walk.ts` and `tar-format.ts`).
 *
 * Why not node-tar's Parser: it is lenient by design. It cuts PAX values at NUL, parses PAX records
 * line by line (a value holding a newline smuggles records), ignores malformed records, merges
 * repeated extended headers, lets a PAX size override the header's silently, skips unknown entry types
 * and, before 7.5.16, applied a PAX size to GNU long-name headers (GHSA-vmf3-w455-68vh). None of that
 * can be switched off, and reading hostile archives is what InstallHub exists for. node-tar is still
 * what writes archives (`packFolder`).
 *
 * Gzip: exactly one member (RFC 1952) and nothing after it. Node's gunzip reads every concatenated
 * member and skips trailing zero bytes, while many other tools stop after the first member; a package
 * whose content depends on the reader is refused (`archive.gzip-members`, `archive.trailing-data`).
 * The member's CRC-32 and length are checked. Limits are applied while inflating: the unpacked size
 * and the ratio stop a gzip bomb at the first chunk past them, the entry count at the first entry past it.
 *
 * @example
 * const { files, findings, complete } = await readArchive(bytes, { maxEntries: 1000, maxUnpackedBytes: 64 << 20, maxCompressionRatio: 200 });
 */
export function readArchive(bytes: Buffer, limits: ArchiveLimits): Promise<ArchiveContents> {
  const files = new Map<string, Buffer>();
  const findings: Finding[] = [];
  const done = (complete: boolean) => Promise.resolve({ files, findings, complete });
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    findings.push(archiveFinding("archive.not-gzip", archiveLabel, "the archive is not gzip-compressed"));
    return done(false);
  }
  const headerLength = gzipHeaderLength(bytes, (data) => crc32(data));
  if (typeof headerLength !== "number") {
    findings.push(archiveFinding("archive.corrupt", archiveLabel, headerLength.problem));
    return done(false);
  }
  const feed = new TarFeed(walkTar(limits, { files, findings }));
  const ratioBudget = limits.maxCompressionRatio * bytes.length;

  return new Promise((resolve, reject) => {
    const inflate = createInflateRaw();
    let unpacked = 0;
    let checksum = 0;
    let settled = false;
    const finish = (complete: boolean) => {
      if (settled) return;
      settled = true;
      inflate.destroy();
      resolve({ files, findings, complete });
    };
    const stopWith = (finding: Finding) => {
      if (settled) return;
      findings.push(finding);
      finish(false);
    };

    inflate.on("data", (chunk: Buffer) => {
      if (settled) return;
      unpacked += chunk.length;
      if (unpacked > limits.maxUnpackedBytes) {
        return stopWith(
          archiveFinding(
            "archive.unpacked-too-large",
            archiveLabel,
            `the archive unpacks to more than ${limits.maxUnpackedBytes} bytes`,
          ),
        );
      }
      if (unpacked > ratioBudget) {
        return stopWith(
          archiveFinding(
            "archive.compression-ratio",
            archiveLabel,
            `the archive inflates more than ${limits.maxCompressionRatio}:1 (gzip bomb?)`,
          ),
        );
      }
      checksum = crc32(chunk, checksum);
      try {
        const stopped = feed.push(chunk);
        if (stopped) stopWith(stopped);
      } catch (error) {
        // A defect in the walk, not in the archive: the caller must not read it as a verdict.
        settled = true;
        inflate.destroy();
        reject(error);
      }
    });
    inflate.on("error", (error) =>
      stopWith(archiveFinding("archive.corrupt", archiveLabel, `gzip data is invalid: ${error.message}`)),
    );
    inflate.on("end", () => {
      if (settled) return;
      const unfinished = feed.end();
      if (unfinished) return stopWith(unfinished);
      const trailer = headerLength + inflate.bytesWritten;
      const member = memberFinding(bytes, trailer, checksum, unpacked);
      if (member) return stopWith(member);
      finish(true);
    });
    inflate.end(bytes.subarray(headerLength));
  });
}

/** The gzip trailer (CRC-32 and length of the data, RFC 1952 §2.3.1) and what follows the member. */
function memberFinding(
  bytes: Buffer,
  trailer: number,
  checksum: number,
  length: number,
): Finding | undefined {
  if (bytes.length < trailer + 8) {
    return archiveFinding("archive.corrupt", archiveLabel, "the gzip member has no trailer");
  }
  if (bytes.readUInt32LE(trailer) !== checksum || bytes.readUInt32LE(trailer + 4) !== length % 2 ** 32) {
    return archiveFinding(
      "archive.corrupt",
      archiveLabel,
      "the gzip CRC-32 or length does not match the data",
    );
  }
  const rest = bytes.subarray(trailer + 8);
  if (rest.length === 0) return undefined;
  if (rest[0] === 0x1f && rest[1] === 0x8b) {
    return archiveFinding(
      "archive.gzip-members",
      archiveLabel,
      "a second gzip member follows the first: some readers see only the first, others both",
    );
  }
  return archiveFinding(
    "archive.trailing-data",
    archiveLabel,
    `${rest.length} bytes follow the gzip member, outside the compressed archive`,
  );
}

const compressedMagics: [string, Buffer][] = [
  ["gzip", Buffer.from([0x1f, 0x8b])],
  ["zstd", Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
  ["xz", Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ["bzip2", Buffer.from("BZh")],
];

/**
 * Feeds inflated chunks to the tar walk, handing it exactly the bytes it asks for. After the walk has
 * met the end-of-archive marker, everything else must be zeros (tar pads to its record size).
 */
class TarFeed {
  private readonly walk: TarWalk;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private wanted: number;
  private ended = false;
  private started = false;

  constructor(walk: TarWalk) {
    this.walk = walk;
    this.wanted = this.step(undefined) ?? 0;
  }

  /** Returns the finding that stops reading, if these bytes brought one. */
  push(chunk: Buffer): Finding | undefined {
    if (this.ended) {
      return isZeroBlock(chunk)
        ? undefined
        : archiveFinding("archive.trailing-data", archiveLabel, "data follows the tar end-of-archive marker");
    }
    if (!this.started) {
      this.started = true;
      // Compressed data where tar belongs: no reader should inflate it a second time on its own.
      const nested = compressedMagics.find(([, magic]) => chunk.subarray(0, magic.length).equals(magic));
      if (nested) {
        return archiveFinding(
          "archive.nested-compression",
          archiveLabel,
          `the archive holds ${nested[0]} data, not tar`,
        );
      }
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    try {
      while (!this.ended && this.buffered >= this.wanted) {
        const next = this.step(this.take(this.wanted));
        if (next === undefined) {
          this.ended = true;
          return this.push(Buffer.concat(this.chunks));
        }
        this.wanted = next;
      }
    } catch (error) {
      if (error instanceof StopReading) return error.finding;
      throw error;
    }
    return undefined;
  }

  /** At the end of the data: a finding when the archive stopped before its end-of-archive marker. */
  end(): Finding | undefined {
    if (this.ended) return undefined;
    return archiveFinding(
      "archive.corrupt",
      archiveLabel,
      "the tar data ends before its end-of-archive marker",
    );
  }

  private step(bytes: Buffer | undefined): number | undefined {
    const result = bytes === undefined ? this.walk.next() : this.walk.next(bytes);
    return result.done ? undefined : result.value;
  }

  private take(length: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = all.length > length ? [all.subarray(length)] : [];
    this.buffered -= length;
    return all.subarray(0, length);
  }
}
