import { gzipSync } from "node:zlib";

/**
 * Hostile package archives built byte by byte, so tests never commit binaries and every header field
 * is visible in code. The header layout is POSIX.1-2017 ustar (XCU `pax`, "ustar Interchange Format");
 * `magic: "gnu"` writes GNU tar's old `ustar  \0` magic instead.
 */

export interface RawHeader {
  /** The path as stored in the name field (bytes beyond 100 are cut, as a writer would). */
  name: string | Buffer;
  /** One typeflag character; "0" (regular file) when absent. */
  type?: string;
  /** Written in octal, or in GNU base-256 when it does not fit 11 octal digits (≥ 8 GiB). */
  size?: number | bigint;
  linkname?: string;
  /** The ustar prefix field (POSIX: the path is prefix + "/" + name). */
  prefix?: string;
  magic?: "ustar" | "gnu" | "none";
  /** Added to the correct checksum: anything but 0 makes the header corrupt. */
  checksumError?: number;
}

export type TarPart = { header: RawHeader; body?: string | Buffer } | { raw: Buffer };

const block = 512;

function field(target: Buffer, offset: number, length: number, value: string | Buffer): void {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  bytes.copy(target, offset, 0, Math.min(bytes.length, length));
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, "0")}\0`;
}

function sizeField(size: number | bigint): Buffer {
  const value = BigInt(size);
  if (value < 0o77777777777n) return Buffer.from(octal(Number(value), 12), "ascii");
  // GNU tar's base-256: the high bit of the first byte set, the number big-endian in the rest.
  const out = Buffer.alloc(12);
  out[0] = 0x80;
  let rest = value;
  for (let i = 11; i > 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** One 512-byte header block with a correct checksum (unless `checksumError` says otherwise). */
export function headerBlock(header: RawHeader): Buffer {
  const out = Buffer.alloc(block);
  field(out, 0, 100, header.name);
  field(out, 100, 8, octal(0o644, 8));
  field(out, 108, 8, octal(0, 8));
  field(out, 116, 8, octal(0, 8));
  sizeField(header.size ?? 0).copy(out, 124);
  field(out, 136, 12, octal(0, 12));
  out[156] = (header.type ?? "0").charCodeAt(0);
  if (header.linkname) field(out, 157, 100, header.linkname);
  const magic = header.magic ?? "ustar";
  if (magic === "ustar") field(out, 257, 8, "ustar\u000000");
  if (magic === "gnu") field(out, 257, 8, "ustar  \0");
  if (header.prefix) field(out, 345, 155, header.prefix);
  out.fill(0x20, 148, 156);
  let sum = 0;
  // An indexed loop: a Buffer's iterator is slow enough to matter for the 100,000-entry archive.
  for (let i = 0; i < block; i++) sum += out[i]!;
  field(out, 148, 8, `${(sum + (header.checksumError ?? 0)).toString(8).padStart(6, "0")}\0 `);
  return out;
}

function padded(body: Buffer): Buffer {
  const padding = (block - (body.length % block)) % block;
  return padding === 0 ? body : Buffer.concat([body, Buffer.alloc(padding)]);
}

/**
 * Tar bytes: each part's header (its size taken from the body unless the header says otherwise), the
 * body padded to 512 bytes, then the end-of-archive marker (two zero blocks) unless `end` is false.
 */
export function tarOf(parts: TarPart[], options: { end?: boolean } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const part of parts) {
    if ("raw" in part) {
      blocks.push(part.raw);
      continue;
    }
    const body = typeof part.body === "string" ? Buffer.from(part.body) : (part.body ?? Buffer.alloc(0));
    blocks.push(headerBlock({ size: body.length, ...part.header }), padded(body));
  }
  if (options.end ?? true) blocks.push(Buffer.alloc(2 * block));
  return Buffer.concat(blocks);
}

/** A PAX extended header body: `"%d %s=%s\n"` records whose length counts its own digits (POSIX pax). */
export function paxRecords(records: [string, string | Buffer][]): Buffer {
  return Buffer.concat(
    records.map(([keyword, value]) => {
      const rest = Buffer.concat([Buffer.from(` ${keyword}=`), Buffer.from(value), Buffer.from("\n")]);
      let length = rest.length + 1;
      while (String(length).length + rest.length !== length) length += 1;
      return Buffer.concat([Buffer.from(String(length)), rest]);
    }),
  );
}

/** A PAX extended header ('x', or 'g' for a global one) as a tar part. */
export function paxHeader(records: [string, string | Buffer][], type: "x" | "g" = "x"): TarPart {
  return { header: { name: "PaxHeader/entry", type }, body: paxRecords(records) };
}

/** A GNU long name ('L') or long link ('K') header carrying `value` and its terminating NUL. */
export function gnuLongHeader(value: string | Buffer, type: "L" | "K" = "L"): TarPart {
  return {
    header: { name: "././@LongLink", type, magic: "gnu" },
    body: Buffer.concat([Buffer.from(value), Buffer.from([0])]),
  };
}

export const fixturePackage = { id: "crafted-package", version: "1.0.0" } as const;

/** manifest.json of `crafted-package@1.0.0` listing one template artifact per file. */
export function fixtureManifest(files: string[]): string {
  return JSON.stringify({
    id: fixturePackage.id,
    name: fixturePackage.id,
    version: fixturePackage.version,
    publisher: "test-publisher",
    artifacts: files.map((file, index) => ({
      key: `artifact-${index + 1}`,
      type: "template",
      name: `Artifact ${index + 1}`,
      file,
    })),
  });
}

/** The package every fixture starts from: a manifest and one artifact, clean enough to PASS. */
export function fixtureBase(files: Record<string, string> = { "artifacts/a.json": '{"a":1}' }): TarPart[] {
  return [
    { header: { name: "manifest.json" }, body: fixtureManifest(Object.keys(files)) },
    ...Object.entries(files).map(([name, body]) => ({ header: { name }, body })),
  ];
}

/**
 * `count` empty regular files `empty/000000`, `empty/000001`, … and the end-of-archive marker: the
 * same bytes as `tarOf` gives for them, made from one header by patching the six digits and the
 * checksum, because building 100,000 headers one by one takes seconds.
 */
export function emptyEntriesTar(count: number): Buffer {
  const template = headerBlock({ name: "empty/000000" });
  let templateSum = 0;
  for (let i = 0; i < block; i++) if (i < 148 || i >= 156) templateSum += template[i]!;
  templateSum += 8 * 0x20 - 6 * 0x30; // the checksum field counts as spaces; the digits are added back
  const out = Buffer.alloc((count + 2) * block);
  for (let entry = 0; entry < count; entry++) {
    const at = entry * block;
    template.copy(out, at);
    let sum = templateSum;
    for (let i = 5, rest = entry; i >= 0; i--, rest = Math.floor(rest / 10)) {
      out[at + 6 + i] = 0x30 + (rest % 10);
      sum += 0x30 + (rest % 10);
    }
    // Six octal digits, NUL, space (as headerBlock writes them).
    for (let i = 5; i >= 0; i--, sum >>= 3) out[at + 148 + i] = 0x30 + (sum & 7);
    out[at + 154] = 0;
    out[at + 155] = 0x20;
  }
  return out;
}

/** A single gzip member around tar bytes (zlib `level` 0–9; 9 unless a fixture must build fast). */
export function gzipTar(tar: Buffer, level = 9): Buffer {
  return gzipSync(tar, { level });
}

/** One class of hostile archive and the verdict the scanner must give it. */
export interface HostileArchive {
  id: string;
  name: string;
  /** Built on first use (the 100,000-entry archive takes a few seconds). */
  readonly bytes: Buffer;
  verdict: "PASS" | "FAIL";
  /** [ruleId, file] of every archive finding the one reader reports, in order. */
  findings: [string, string][];
  /** The regular files (normalised paths) the reader returns. */
  files: string[];
}

const nfc = "artifacts/caf\u00e9.json";
const nfd = "artifacts/cafe\u0301.json";

type HostileArchiveSpec = Omit<HostileArchive, "bytes"> & { build: () => Buffer };

function lazily(spec: HostileArchiveSpec): HostileArchive {
  const { build, ...rest } = spec;
  let bytes: Buffer | undefined;
  return {
    ...rest,
    get bytes() {
      bytes ??= build();
      return bytes;
    },
  };
}

/**
 * The archive classes of issue 10, each around an otherwise clean `crafted-package@1.0.0`, with the
 * findings the one archive reader (`@installhub/shared` readArchive) must report and the files it
 * must return.
 */
export function hostileArchives(): HostileArchive[] {
  const emptyEntries = 100_000;
  const specs: HostileArchiveSpec[] = [
    {
      id: "hardlink-then-file",
      name: "hard link, then a file at the link's path",
      build: () =>
        gzipTar(
          tarOf([
            ...fixtureBase({ "artifacts/a.json": '{"a":1}', "artifacts/b.json": '{"b":1}' }).slice(0, 2),
            { header: { name: "artifacts/b.json", type: "1", linkname: "manifest.json" } },
            { header: { name: "artifacts/b.json" }, body: '{"b":"imported"}' },
          ]),
        ),
      verdict: "FAIL",
      findings: [
        ["archive.hardlink", "artifacts/b.json"],
        ["archive.duplicate-entry", "artifacts/b.json"],
      ],
      files: ["artifacts/a.json", "manifest.json"],
    },
    {
      id: "symlink-then-file",
      name: "symlink, then a file through it",
      build: () =>
        gzipTar(
          tarOf([
            ...fixtureBase({ "artifacts/a.json": '{"a":1}', "artifacts/lib/cron.json": "{}" }).slice(0, 2),
            { header: { name: "artifacts/lib", type: "2", linkname: "/etc/cron.d" } },
            { header: { name: "artifacts/lib/cron.json" }, body: "{}" },
          ]),
        ),
      verdict: "FAIL",
      findings: [
        ["archive.symlink", "artifacts/lib"],
        ["archive.path-conflict", "artifacts/lib/cron.json"],
      ],
      files: ["artifacts/a.json", "manifest.json"],
    },
    {
      id: "pax-path-traversal",
      name: "PAX path traversal behind a harmless ustar name",
      build: () =>
        gzipTar(
          tarOf([
            ...fixtureBase(),
            paxHeader([["path", "../../etc/cron.d/evil"]]),
            { header: { name: "artifacts/notes.json" }, body: "* * * * * root sh" },
          ]),
        ),
      verdict: "FAIL",
      findings: [
        ["archive.path-traversal", "../../etc/cron.d/evil"],
        ["archive.pax-mismatch", "../../etc/cron.d/evil"],
      ],
      files: ["artifacts/a.json", "manifest.json"],
    },
    {
      id: "pax-size-desync",
      name: "PAX size desync: size=2048 before a GNU long name swallows the next entry",
      build: () =>
        gzipTar(
          tarOf([
            { header: { name: "manifest.json" }, body: fixtureManifest(["artifacts/a.json"]) },
            paxHeader([["size", "2048"]]),
            gnuLongHeader("artifacts/a.json"),
            { header: { name: "artifacts/a.json" }, body: '{"a":1}' },
            { header: { name: "artifacts/hidden.js" }, body: "require('child_process').exec('id')" },
            { raw: Buffer.alloc(8 * block) },
          ]),
        ),
      verdict: "FAIL",
      findings: [["archive.header-sequence", "artifacts/a.json"]],
      files: ["manifest.json"],
    },
    {
      id: "pax-path-nul",
      name: "NUL byte inside a PAX path",
      build: () =>
        gzipTar(
          tarOf([
            { header: { name: "manifest.json" }, body: fixtureManifest(["artifacts/a.json"]) },
            paxHeader([["path", "artifacts/a.json\0/../../../etc/passwd"]]),
            { header: { name: "artifacts/a.json" }, body: '{"a":1}' },
          ]),
        ),
      verdict: "FAIL",
      findings: [["archive.pax-invalid", "artifacts/a.json"]],
      files: ["manifest.json"],
    },
    {
      id: "duplicates",
      name: "the same path twice, and a ./ variant of it",
      build: () =>
        gzipTar(
          tarOf([
            ...fixtureBase(),
            { header: { name: "artifacts/a.json" }, body: '{"a":"second"}' },
            { header: { name: "./artifacts//a.json" }, body: '{"a":"third"}' },
          ]),
        ),
      verdict: "FAIL",
      findings: [
        ["archive.duplicate-entry", "artifacts/a.json"],
        ["archive.duplicate-entry", "./artifacts//a.json"],
      ],
      files: ["artifacts/a.json", "manifest.json"],
    },
    {
      id: "unicode-twins",
      name: "NFC and NFD spellings of one name",
      build: () => gzipTar(tarOf(fixtureBase({ [nfc]: '{"v":"nfc"}', [nfd]: '{"v":"nfd"}' }))),
      verdict: "FAIL",
      findings: [["archive.duplicate-entry", nfd]],
      files: [nfc, "manifest.json"],
    },
    {
      id: "contiguous-file",
      name: "contiguous ('7') and old-style ('\\0') regular files",
      build: () =>
        gzipTar(
          tarOf([
            {
              header: { name: "manifest.json", type: "\0" },
              body: fixtureManifest(["artifacts/a.json", "artifacts/b.json"]),
            },
            { header: { name: "artifacts/a.json", type: "7" }, body: '{"a":"contiguous"}' },
            { header: { name: "artifacts/b.json", type: "\0" }, body: '{"b":"old file"}' },
          ]),
        ),
      verdict: "PASS",
      findings: [],
      files: ["artifacts/a.json", "artifacts/b.json", "manifest.json"],
    },
    {
      id: "gzip-members",
      name: "a second gzip member after the package",
      build: () =>
        Buffer.concat([
          gzipTar(tarOf(fixtureBase())),
          gzipTar(tarOf([{ header: { name: "artifacts/extra.js" }, body: "eval(atob('aWQ='))" }])),
        ]),
      verdict: "FAIL",
      findings: [["archive.gzip-members", "(archive)"]],
      files: ["artifacts/a.json", "manifest.json"],
    },
    {
      id: "empty-entries",
      name: `${emptyEntries.toLocaleString("en")} empty entries`,
      build: () =>
        gzipTar(
          Buffer.concat([tarOf(fixtureBase(), { end: false }), emptyEntriesTar(emptyEntries)]),
          // Level 1: 50 MB at level 9 takes seconds, and the unit tests (and every mutant) build it.
          // The ratio stays far below any compression-ratio limit either way (about 68 : 1).
          1,
        ),
      verdict: "FAIL",
      // The default SCAN_MAX_ENTRIES is 1000: the 1001st entry is the 999th empty one.
      findings: [["archive.too-many-entries", "empty/000998"]],
      files: [
        "artifacts/a.json",
        ...Array.from({ length: 998 }, (_, i) => `empty/${String(i).padStart(6, "0")}`),
        "manifest.json",
      ],
    },
    {
      id: "huge-size-claim",
      name: "a header claiming 8 GiB",
      build: () =>
        gzipTar(
          tarOf([
            ...fixtureBase(),
            { header: { name: "artifacts/big.bin", size: 8n * 1024n ** 3n }, body: "tiny" },
          ]),
        ),
      verdict: "FAIL",
      findings: [["archive.unpacked-too-large", "artifacts/big.bin"]],
      files: ["artifacts/a.json", "manifest.json"],
    },
  ];
  return specs.map(lazily);
}

/** One of `hostileArchives()` by id. */
export function hostileArchive(id: string): HostileArchive {
  const found = hostileArchives().find((archive) => archive.id === id);
  if (!found) throw new Error(`no hostile archive ${id}`);
  return found;
}
