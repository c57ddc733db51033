import { createGunzip } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { entryFindings, normalizeEntryPath } from "./entry-checks.ts";
import { type Finding, finding } from "./findings.ts";

export interface ArchiveLimits {
  maxEntries: number;
  maxUnpackedBytes: number;
  /** Uncompressed tar bytes allowed per archive byte. */
  maxCompressionRatio: number;
}

export interface ArchiveContents {
  /** Regular files by normalized path; entries with findings are never kept. */
  files: Map<string, Buffer>;
  findings: Finding[];
  /** False when reading stopped early (a limit, corrupt data): what is missing was never seen. */
  complete: boolean;
}

const gzipMagic = [0x1f, 0x8b];
const archiveLabel = "(archive)";

/**
 * Reads a gzip'd tar entirely in memory: nothing is written to disk, so no entry can land anywhere.
 * Uncompressed bytes are counted as they come out of gunzip, so a gzip bomb stops at the first limit
 * it passes instead of after it has been inflated.
 *
 * @example
 * const { files, findings } = await readArchive(bytes, { maxEntries: 1000, maxUnpackedBytes: 64 << 20, maxCompressionRatio: 100 });
 */
export function readArchive(bytes: Buffer, limits: ArchiveLimits): Promise<ArchiveContents> {
  const files = new Map<string, Buffer>();
  const findings: Finding[] = [];
  if (bytes[0] !== gzipMagic[0] || bytes[1] !== gzipMagic[1]) {
    findings.push(
      finding("archive.not-gzip", "critical", archiveLabel, "the archive is not gzip-compressed"),
    );
    return Promise.resolve({ files, findings, complete: false });
  }
  const ratioBudget = limits.maxCompressionRatio * bytes.length;

  return new Promise((resolve) => {
    const gunzip = createGunzip();
    // brotli/zstd off, and gzip inside gzip refused below: the parser must never inflate on its own.
    const parser = new Parser({ brotli: false, zstd: false });
    let unpacked = 0;
    let entries = 0;
    let settled = false;

    const finish = (complete: boolean) => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      resolve({ files, findings, complete });
    };
    const stop = (ruleId: string, file: string, message: string) => {
      findings.push(finding(ruleId, "critical", file, message));
      finish(false);
    };

    gunzip.on("data", (chunk: Buffer) => {
      if (settled) return;
      if (unpacked === 0 && chunk[0] === gzipMagic[0] && chunk[1] === gzipMagic[1]) {
        stop("archive.nested-compression", archiveLabel, "the archive is compressed twice");
        return;
      }
      unpacked += chunk.length;
      if (unpacked > limits.maxUnpackedBytes) {
        stop(
          "archive.unpacked-too-large",
          archiveLabel,
          `the archive unpacks to more than ${limits.maxUnpackedBytes} bytes`,
        );
        return;
      }
      if (unpacked > ratioBudget) {
        stop(
          "archive.compression-ratio",
          archiveLabel,
          `the archive inflates more than ${limits.maxCompressionRatio}:1 (gzip bomb?)`,
        );
        return;
      }
      parser.write(chunk);
    });
    gunzip.on("end", () => parser.end());
    gunzip.on("error", (error) =>
      stop("archive.corrupt", archiveLabel, `gzip data is invalid: ${error.message}`),
    );

    parser.on("warn", (code: string, message: string | Error) => {
      const text = message instanceof Error ? message.message : message;
      findings.push(
        finding("archive.corrupt", "critical", archiveLabel, `tar data is invalid (${code}): ${text}`),
      );
    });
    parser.on("error", (error: Error) =>
      stop("archive.corrupt", archiveLabel, `tar data is invalid: ${error.message}`),
    );
    parser.on("ignoredEntry", (entry: ReadEntry) => {
      findings.push(
        finding("archive.entry-type", "critical", entry.path, `unsupported tar entry type ${entry.type}`),
      );
    });
    parser.on("entry", (entry: ReadEntry) => {
      entries += 1;
      if (entries > limits.maxEntries) {
        entry.resume();
        stop(
          "archive.too-many-entries",
          entry.path,
          `the archive has more than ${limits.maxEntries} entries`,
        );
        return;
      }
      const problems = entryFindings({ path: entry.path, type: entry.type, linkpath: entry.linkpath });
      const path = normalizeEntryPath(entry.path);
      if (problems.length === 0 && entry.type !== "Directory" && files.has(path)) {
        problems.push(
          finding("archive.duplicate-entry", "critical", path, "the archive holds this path more than once"),
        );
      }
      if (problems.length > 0 || entry.type === "Directory") {
        findings.push(...problems);
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on("data", (chunk: Buffer) => chunks.push(chunk));
      entry.on("end", () => files.set(path, Buffer.concat(chunks)));
    });
    parser.on("end", () => finish(findings.every((f) => f.ruleId !== "archive.corrupt")));

    gunzip.end(bytes);
  });
}
