import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { crc32, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { examplesRoot } from "../catalog/examples.ts";
import {
  gnuLongHeader,
  gzipTar,
  headerBlock,
  hostileArchives,
  paxHeader,
  paxRecords,
  type TarPart,
  tarOf,
} from "../testing/tar-fixtures.ts";
import { approvalDifference, approvedFilesOf } from "./approved-files.ts";
import { packFolder } from "./archive.ts";
import { type ArchiveLimits, normalizeArchivePath, readArchive } from "./archive-reader.ts";
import { sha256Hex } from "./signing.ts";

const limits: ArchiveLimits = {
  maxEntries: 1000,
  maxUnpackedBytes: 64 * 1024 * 1024,
  maxCompressionRatio: 200,
};
const rules = (findings: { ruleId: string; file: string }[]) => findings.map((f) => [f.ruleId, f.file]);
const read = (parts: TarPart[], options?: { end?: boolean }) =>
  readArchive(gzipTar(tarOf(parts, options)), limits);
const file = (name: string, body = "{}"): TarPart => ({ header: { name }, body });

describe("readArchive: the classes of issue 10", () => {
  for (const archive of hostileArchives()) {
    it(`${archive.name}: ${archive.verdict === "PASS" ? "read as regular files" : archive.findings.map((f) => f[0]).join(", ")}`, async () => {
      const contents = await readArchive(archive.bytes, limits);
      expect(rules(contents.findings)).toEqual(archive.findings);
      expect([...contents.files.keys()].sort()).toEqual(archive.files);
    });
  }

  it("keeps the first of two paths and never the later copy", async () => {
    const contents = await read([file("a.json", "scanned"), file("./a.json", "imported")]);
    expect(contents.files.get("a.json")?.toString()).toBe("scanned");
  });

  it("reads contiguous and old-style files with their bytes", async () => {
    const contents = await read([
      { header: { name: "a.json", type: "7" }, body: "contiguous" },
      { header: { name: "b.json", type: "\0" }, body: "old" },
    ]);
    expect(contents.findings).toEqual([]);
    expect(contents.files.get("a.json")?.toString()).toBe("contiguous");
    expect(contents.files.get("b.json")?.toString()).toBe("old");
  });
});

describe("readArchive: archives real writers make", () => {
  it("reads an example package packed by node-tar, every file and nothing else", async () => {
    const bytes = await packFolder(`${examplesRoot}/packages/acme-invoice-workflows/3.0.0`);
    const contents = await readArchive(bytes, limits);
    expect(contents).toMatchObject({ findings: [], complete: true });
    expect([...contents.files.keys()].sort()).toEqual([
      "artifacts/invoice-approval.json",
      "artifacts/invoice-dashboard.json",
      "artifacts/invoice-reminder.json",
      "artifacts/overdue-report.json",
      "artifacts/vendor-sync.js",
      "manifest.json",
    ]);
    expect(contents.files.get("artifacts/vendor-sync.js")?.toString()).toContain("mapVendor");
  });

  it("reads node-tar's PAX headers for long and non-ASCII names", async () => {
    const folder = await mkdtemp(join(tmpdir(), "archive-reader-"));
    try {
      const long = `artifacts/${"d".repeat(80)}/${"f".repeat(120)}.json`;
      for (const [name, body] of [
        [long, "long"],
        ["artifacts/caf\u00e9.json", "accent"],
      ] as const) {
        await mkdir(dirname(join(folder, name)), { recursive: true });
        await writeFile(join(folder, name), body);
      }
      const contents = await readArchive(await packFolder(folder), limits);
      expect(contents.findings).toEqual([]);
      expect(contents.files.get(long)?.toString()).toBe("long");
      expect(contents.files.get("artifacts/caf\u00e9.json")?.toString()).toBe("accent");
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("assembles ustar prefix and name, and reads GNU long names and global comment headers", async () => {
    const contents = await read([
      paxHeader([["comment", "git archive writes its commit here"]], "g"),
      { header: { name: "b.json", prefix: "artifacts/deep" }, body: "prefixed" },
      gnuLongHeader(`artifacts/${"l".repeat(150)}.json`),
      { header: { name: `artifacts/${"l".repeat(90)}`, magic: "gnu" }, body: "gnu long" },
    ]);
    expect(contents.findings).toEqual([]);
    expect(contents.files.get("artifacts/deep/b.json")?.toString()).toBe("prefixed");
    expect(contents.files.get(`artifacts/${"l".repeat(150)}.json`)?.toString()).toBe("gnu long");
  });

  it("accepts a PAX path the ustar field could not hold, whatever placeholder the writer put there", async () => {
    // Python's tarfile writes '?' for each non-ASCII character in the ustar name.
    const contents = await read([paxHeader([["path", "caf\u00e9.json"]]), file("caf?.json", "py")]);
    expect(contents.findings).toEqual([]);
    expect(contents.files.get("caf\u00e9.json")?.toString()).toBe("py");
  });
});

describe("readArchive: strict tar", () => {
  it.each([
    ["GNU sparse", "S"],
    ["multi-volume", "M"],
    ["a vendor letter", "A"],
    ["Solaris extended", "X"],
  ])("stops at an unknown type flag (%s)", async (_, type) => {
    const contents = await read([
      file("a.json"),
      { header: { name: "b.bin", type }, body: "x" },
      file("c.json"),
    ]);
    expect(rules(contents.findings)).toEqual([["archive.entry-type", "b.bin"]]);
    expect(contents.complete).toBe(false);
    expect([...contents.files.keys()]).toEqual(["a.json"]);
  });

  it("stops at a PAX size that contradicts the header, either way", async () => {
    for (const size of ["10", "0"]) {
      const contents = await read([paxHeader([["size", size]]), file("a.json", "sixteen bytes!!!")]);
      expect(rules(contents.findings)).toEqual([["archive.pax-mismatch", "a.json"]]);
    }
  });

  it("stops at PAX records a line-based or NUL-terminated reader would read differently", async () => {
    const cases: [string, Buffer][] = [
      ["a newline in a value", paxRecords([["comment", "x\n30 path=../../etc/passwd"]])],
      ["a NUL in a value", paxRecords([["uname", "root\0admin"]])],
      ["a length that misses the newline", Buffer.from("20 path=a.json\n")],
      ["a length with a leading zero", Buffer.from("015 path=a.json\n")],
      ["a record without '='", Buffer.from("11 a.json\n\n")],
      [
        "a keyword given twice",
        paxRecords([
          ["path", "a.json"],
          ["path", "b.json"],
        ]),
      ],
      ["a sparse file", paxRecords([["GNU.sparse.size", "100"]])],
      ["a binary charset", paxRecords([["hdrcharset", "BINARY"]])],
      ["a size that is not a number", paxRecords([["size", "0x10"]])],
      ["bytes that are not UTF-8", paxRecords([["path", Buffer.from([0x61, 0xff])]])],
    ];
    for (const [what, body] of cases) {
      const contents = await read([{ header: { name: "PaxHeader/a", type: "x" }, body }, file("a.json")]);
      expect(
        contents.findings.map((f) => f.ruleId),
        what,
      ).toEqual(["archive.pax-invalid"]);
      expect(contents.complete, what).toBe(false);
    }
  });

  it("refuses a global header that sets a path, link or size, and accepts one that does not", async () => {
    const bad = await read([paxHeader([["size", "2"]], "g"), file("a.json")]);
    expect(rules(bad.findings)).toEqual([["archive.pax-invalid", "PaxHeader/entry"]]);
    const fine = await read([paxHeader([["mtime", "1700000000.5"]], "g"), file("a.json")]);
    expect(fine.findings).toEqual([]);
  });

  it("stops at extended headers in an order readers disagree on", async () => {
    const sequences: TarPart[][] = [
      [paxHeader([["mtime", "1"]]), gnuLongHeader("a.json")],
      [paxHeader([["mtime", "1"]], "g"), gnuLongHeader("a.json")],
      [gnuLongHeader("a.json"), paxHeader([["mtime", "1"]])],
      [paxHeader([["mtime", "1"]]), paxHeader([["mtime", "2"]])],
      [gnuLongHeader("a.json"), gnuLongHeader("b.json")],
      [gnuLongHeader("a.json", "K"), gnuLongHeader("b.json", "K")],
      [gnuLongHeader("target", "K")],
    ];
    for (const sequence of sequences) {
      const contents = await read([...sequence, file("a.json")]);
      expect(contents.findings.map((f) => f.ruleId)).toEqual(["archive.header-sequence"]);
    }
    const dangling = await read([file("a.json"), paxHeader([["path", "b.json"]])]);
    expect(rules(dangling.findings)).toEqual([["archive.header-sequence", "(archive)"]]);
  });

  it("stops at a GNU long name holding a NUL, or one its header's name contradicts", async () => {
    const nul = await read([gnuLongHeader("a.json\0../../x"), file("a.json")]);
    expect(nul.findings.map((f) => f.ruleId)).toEqual(["archive.gnu-long-name"]);
    const other = await read([gnuLongHeader("b.json"), file("a.json")]);
    expect(rules(other.findings)).toEqual([["archive.gnu-long-name", "b.json"]]);
  });

  it("stops at corrupt headers: checksum, no magic, a size that is no number, data on a directory", async () => {
    const bad: TarPart[] = [
      { header: { name: "a.json", checksumError: 1 }, body: "x" },
      { header: { name: "a.json", magic: "none" }, body: "x" },
      { raw: Buffer.concat([headerBlock({ name: "d/", type: "5", size: 5 }), Buffer.alloc(512)]) },
      {
        raw: Buffer.concat([
          headerBlock({ name: "l", type: "2", linkname: "a.json", size: 1 }),
          Buffer.alloc(512),
        ]),
      },
    ];
    for (const part of bad) {
      const contents = await read([file("ok.json"), part]);
      expect(contents.findings.map((f) => f.ruleId).at(-1)).toBe("archive.corrupt");
      expect(contents.complete).toBe(false);
    }
    const block = headerBlock({ name: "a.json", size: 1 });
    block.write("0000000001x\0", 124, "latin1");
    const notNumber = await readArchive(gzipTar(Buffer.concat([block, Buffer.alloc(2048)])), limits);
    expect(notNumber.findings.map((f) => f.ruleId)).toEqual(["archive.corrupt"]);
  });

  it("ends only at two zero blocks, and refuses anything but zeros after them", async () => {
    const lone = await read([file("a.json"), { raw: Buffer.alloc(512) }, file("hidden.js")]);
    expect(lone.findings.map((f) => f.ruleId)).toEqual(["archive.corrupt"]);
    const after = await readArchive(
      gzipTar(Buffer.concat([tarOf([file("a.json")]), tarOf([file("hidden.js")])])),
      limits,
    );
    expect(rules(after.findings)).toEqual([["archive.trailing-data", "(archive)"]]);
    const padded = await readArchive(
      gzipTar(Buffer.concat([tarOf([file("a.json")]), Buffer.alloc(9216)])),
      limits,
    );
    expect(padded).toMatchObject({ findings: [], complete: true });
    const truncated = await read([file("a.json")], { end: false });
    expect(truncated.findings.map((f) => f.message)).toEqual([
      "the tar data ends before its end-of-archive marker",
    ]);
  });
});

describe("readArchive: entries", () => {
  it("reports traversal, absolute paths, links and devices by entry, keeps none of them, and reads on", async () => {
    const contents = await read([
      file("ok.txt", "fine"),
      file("../escape.txt"),
      file("a\\..\\..\\escape.txt"),
      file("/etc/cron.d/job"),
      file("C:\\evil.dll"),
      file("bad\u0007name.txt"),
      file("dir.json/"),
      { header: { name: "link", type: "2", linkname: "/etc/passwd" } },
      { header: { name: "hard", type: "1", linkname: "ok.txt" } },
      { header: { name: "tty", type: "3" } },
      { header: { name: "sda", type: "4" } },
      { header: { name: "pipe", type: "6" } },
      { header: { name: Buffer.from([0x61, 0xff, 0x2e, 0x6a]) }, body: "latin1" },
      file("last.txt", "read"),
    ]);
    expect(rules(contents.findings)).toEqual([
      ["archive.path-traversal", "../escape.txt"],
      ["archive.path-traversal", "a\\..\\..\\escape.txt"],
      ["archive.absolute-path", "/etc/cron.d/job"],
      ["archive.absolute-path", "C:\\evil.dll"],
      ["archive.path-characters", "bad\u0007name.txt"],
      ["archive.entry-type", "dir.json/"],
      ["archive.symlink", "link"],
      ["archive.hardlink", "hard"],
      ["archive.device-entry", "tty"],
      ["archive.device-entry", "sda"],
      ["archive.device-entry", "pipe"],
      ["archive.path-characters", "a\u00ff.j"],
    ]);
    expect([...contents.files.keys()]).toEqual(["ok.txt", "last.txt"]);
    expect(contents.complete).toBe(true);
  });

  it("treats names one file system would store as one file as duplicates", async () => {
    const contents = await read([
      file("docs/Read.json"),
      file("docs/read.json"),
      file("docs\\read.json"),
      file("docs/./read.json"),
    ]);
    expect(contents.findings.map((f) => f.ruleId)).toEqual([
      "archive.duplicate-entry",
      "archive.duplicate-entry",
      "archive.duplicate-entry",
    ]);
  });

  it("refuses an entry below a file, and a file where a directory was, but not a directory named twice", async () => {
    const below = await read([file("a.json"), file("a.json/b.json")]);
    expect(rules(below.findings)).toEqual([["archive.path-conflict", "a.json/b.json"]]);
    const over = await read([file("dir/b.json"), file("dir")]);
    expect(rules(over.findings)).toEqual([["archive.path-conflict", "dir"]]);
    const dirs = await read([
      { header: { name: "./", type: "5" } },
      { header: { name: "dir/", type: "5" } },
      { header: { name: "./dir", type: "5" } },
      file("dir/a.json"),
    ]);
    expect(dirs).toMatchObject({ findings: [], complete: true });
  });
});

describe("readArchive: compression and limits", () => {
  it("stops at the entry that passes the entry limit", async () => {
    const parts = Array.from({ length: 6 }, (_, i) => file(`f${i}.txt`));
    const contents = await readArchive(gzipTar(tarOf(parts)), { ...limits, maxEntries: 5 });
    expect(rules(contents.findings)).toEqual([["archive.too-many-entries", "f5.txt"]]);
    expect(contents.complete).toBe(false);
  });

  it("stops a gzip bomb on the compression ratio before inflating it", async () => {
    const bomb = gzipTar(tarOf([{ header: { name: "zeros.bin" }, body: Buffer.alloc(16 * 1024 * 1024) }]));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const contents = await readArchive(bomb, { ...limits, maxUnpackedBytes: 1024 * 1024 * 1024 });
    expect(rules(contents.findings)).toEqual([["archive.compression-ratio", "(archive)"]]);
    expect(contents.findings[0]?.message).toContain("200:1");
    expect(contents.files.size).toBe(0);
  });

  it("stops when the unpacked size passes the limit", async () => {
    const random = Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => (i * 7919) % 251));
    const contents = await readArchive(gzipTar(tarOf([{ header: { name: "big.bin" }, body: random }])), {
      ...limits,
      maxUnpackedBytes: 100 * 1024,
    });
    expect(rules(contents.findings)).toEqual([["archive.unpacked-too-large", "big.bin"]]);
  });

  it("refuses bytes that are not gzip, and compressed data inside the gzip", async () => {
    const plain = await readArchive(Buffer.from("PK\u0003\u0004 a zip file"), limits);
    expect(rules(plain.findings)).toEqual([["archive.not-gzip", "(archive)"]]);
    const nested = await readArchive(gzipSync(gzipTar(tarOf([file("a.txt")]))), limits);
    expect(rules(nested.findings)).toEqual([["archive.nested-compression", "(archive)"]]);
  });

  it("checks the gzip member: its CRC, its end, and nothing after it", async () => {
    const valid = gzipTar(tarOf([file("a.json", "hello")]));
    const crc = Buffer.from(valid);
    crc[crc.length - 8]! ^= 0xff;
    expect((await readArchive(crc, limits)).findings.map((f) => f.message)).toEqual([
      "the gzip CRC-32 or length does not match the data",
    ]);
    const truncated = await readArchive(valid.subarray(0, valid.length - 12), limits);
    expect(truncated.findings.map((f) => f.ruleId)).toEqual(["archive.corrupt"]);
    const zeros = await readArchive(Buffer.concat([valid, Buffer.alloc(512)]), limits);
    expect(rules(zeros.findings)).toEqual([["archive.trailing-data", "(archive)"]]);
    const reserved = Buffer.from(valid);
    reserved[3] = 0x20;
    expect((await readArchive(reserved, limits)).findings.map((f) => f.ruleId)).toEqual(["archive.corrupt"]);
  });
});

describe("approved files", () => {
  const files = new Map([
    ["manifest.json", Buffer.from("{}")],
    ["artifacts/a.json", Buffer.from("a")],
  ]);

  it("lists every file with its sha256, sorted by path", () => {
    expect(approvedFilesOf(files)).toEqual([
      { path: "artifacts/a.json", sha256: sha256Hex(Buffer.from("a")) },
      { path: "manifest.json", sha256: sha256Hex(Buffer.from("{}")) },
    ]);
  });

  it("finds no difference in the same files, and names every kind of difference", () => {
    expect(approvalDifference(files, approvedFilesOf(files))).toBeUndefined();
    const approved = [
      { path: "artifacts/a.json", sha256: sha256Hex(Buffer.from("other")) },
      { path: "artifacts/b.json", sha256: sha256Hex(Buffer.from("b")) },
      { path: "artifacts/b.json", sha256: sha256Hex(Buffer.from("b")) },
    ];
    expect(approvalDifference(files, approved)).toEqual({
      unapproved: ["manifest.json"],
      missing: ["artifacts/b.json"],
      changed: ["artifacts/a.json"],
      repeated: ["artifacts/b.json"],
    });
  });
});

describe("normalizeArchivePath", () => {
  it("drops ./ segments, doubled and trailing slashes", () => {
    expect(normalizeArchivePath("./artifacts//a.json")).toBe("artifacts/a.json");
    expect(normalizeArchivePath("artifacts/./a.json")).toBe("artifacts/a.json");
    expect(normalizeArchivePath("artifacts/")).toBe("artifacts");
  });
});

describe("readArchive: what each finding says", () => {
  const valid = gzipTar(tarOf([file("a.json", "hello")]));

  it("keeps the files and is complete when nothing is wrong", async () => {
    const contents = await readArchive(valid, limits);
    expect(contents).toEqual({
      files: new Map([["a.json", Buffer.from("hello")]]),
      findings: [],
      complete: true,
    });
  });

  it("refuses what is not one gzip member, saying which way", async () => {
    const cases: [Buffer, string, string][] = [
      [Buffer.from([0x1f, 0x00, 0x08]), "archive.not-gzip", "the archive is not gzip-compressed"],
      [Buffer.from([0x00, 0x8b, 0x08]), "archive.not-gzip", "the archive is not gzip-compressed"],
      [
        Buffer.concat([valid.subarray(0, 2), Buffer.from([7]), valid.subarray(3)]),
        "archive.corrupt",
        "gzip compression method 7 is not deflate (RFC 1952)",
      ],
      [valid.subarray(0, valid.length - 8), "archive.corrupt", "the gzip member has no trailer"],
      [valid.subarray(0, valid.length - 1), "archive.corrupt", "the gzip member has no trailer"],
      [
        Buffer.concat([valid, valid]),
        "archive.gzip-members",
        "a second gzip member follows the first: some readers see only the first, others both",
      ],
      [
        Buffer.concat([valid, Buffer.from([0x1f])]),
        "archive.trailing-data",
        "1 bytes follow the gzip member, outside the compressed archive",
      ],
      [
        Buffer.concat([valid, Buffer.from([0x00, 0x8b, 0, 0])]),
        "archive.trailing-data",
        "4 bytes follow the gzip member, outside the compressed archive",
      ],
    ];
    for (const [bytes, ruleId, message] of cases) {
      const contents = await readArchive(bytes, limits);
      expect(contents.findings, message).toEqual([
        { ruleId, severity: "critical", file: "(archive)", message },
      ]);
      expect(contents.complete).toBe(false);
    }
  });

  it("checks the trailer's length as well as its CRC", async () => {
    const length = Buffer.from(valid);
    length[length.length - 4]! ^= 0x01;
    const contents = await readArchive(length, limits);
    expect(contents.findings.map((f) => [f.ruleId, f.message])).toEqual([
      ["archive.corrupt", "the gzip CRC-32 or length does not match the data"],
    ]);
    const unfinished = await read([file("a.json")], { end: false });
    expect(unfinished.findings.map((f) => [f.ruleId, f.file])).toEqual([["archive.corrupt", "(archive)"]]);
  });

  it("checks a gzip header CRC with the same CRC-32 as the data", async () => {
    // FHCRC (RFC 1952 §2.3.1): the low 16 bits of the CRC-32 of the header bytes before it
    const header = Buffer.from([0x1f, 0x8b, 8, 0x02, 0, 0, 0, 0, 0, 3]);
    const crc = Buffer.alloc(2);
    crc.writeUInt16LE(crc32(header) & 0xffff);
    const withCrc = Buffer.concat([header, crc, valid.subarray(10)]);
    expect(await readArchive(withCrc, limits)).toMatchObject({ findings: [], complete: true });
    crc[1]! ^= 0x80;
    const wrong = await readArchive(Buffer.concat([header, crc, valid.subarray(10)]), limits);
    expect(wrong.findings.map((f) => f.message)).toEqual(["gzip header CRC does not match"]);
  });

  it("looks for nested compression at the start of the tar only, not in file data", async () => {
    // "BZh" at every 16 KiB of the inflated stream, where zlib's output chunks begin
    const body = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) % 251));
    for (let at = 16 * 1024 - 512; at + 3 <= body.length; at += 16 * 1024) body.write("BZh", at, "latin1");
    const contents = await readArchive(gzipTar(tarOf([{ header: { name: "data.bin" }, body }])), limits);
    expect(contents.findings).toEqual([]);
    expect(contents.files.get("data.bin")?.equals(body)).toBe(true);
  });

  it("reports invalid deflate data as corrupt gzip", async () => {
    const broken = Buffer.concat([
      valid.subarray(0, 10),
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
      valid.subarray(14),
    ]);
    const contents = await readArchive(broken, limits);
    expect(contents.findings).toHaveLength(1);
    expect(contents.findings[0]?.ruleId).toBe("archive.corrupt");
    expect(contents.findings[0]?.message).toMatch(/^gzip data is invalid: /);
  });

  it("names each kind of compressed data found where tar belongs", async () => {
    for (const [kind, magic] of [
      ["gzip", Buffer.from([0x1f, 0x8b])],
      ["zstd", Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
      ["xz", Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
      ["bzip2", Buffer.from("BZh")],
    ] as const) {
      const contents = await readArchive(gzipTar(Buffer.concat([magic, Buffer.alloc(1024)])), limits);
      expect(contents.findings.map((f) => f.message)).toEqual([`the archive holds ${kind} data, not tar`]);
      expect(contents.complete).toBe(false);
    }
  });

  it("refuses data after the end-of-archive marker, however it is chunked", async () => {
    const tail = Buffer.concat([tarOf([file("a.json")]), Buffer.alloc(100_000), Buffer.from("x")]);
    const contents = await readArchive(gzipTar(tail), { ...limits, maxCompressionRatio: 100_000 });
    expect(contents.findings.map((f) => [f.ruleId, f.message])).toEqual([
      ["archive.trailing-data", "data follows the tar end-of-archive marker"],
    ]);
    expect(contents.files.get("a.json")?.toString()).toBe("{}");
  });

  it("stops at an unpacked size or a ratio just past the limit, and not at the limit itself", async () => {
    const tar = tarOf([{ header: { name: "z.bin" }, body: Buffer.alloc(8 * 1024) }]);
    const bytes = gzipTar(tar);
    // the unpacked size
    expect((await readArchive(bytes, { ...limits, maxUnpackedBytes: tar.length })).findings).toEqual([]);
    const tooLarge = await readArchive(bytes, { ...limits, maxUnpackedBytes: tar.length - 1 });
    expect(tooLarge.findings).toEqual([
      {
        ruleId: "archive.unpacked-too-large",
        severity: "critical",
        file: "(archive)",
        message: `the archive unpacks to more than ${tar.length - 1} bytes`,
      },
    ]);
    // the ratio: tar bytes per archive byte
    const ratio = tar.length / bytes.length;
    expect((await readArchive(bytes, { ...limits, maxCompressionRatio: ratio })).findings).toEqual([]);
    const bomb = await readArchive(bytes, { ...limits, maxCompressionRatio: ratio * 0.999 });
    expect(bomb.findings.map((f) => f.ruleId)).toEqual(["archive.compression-ratio"]);
    expect(bomb.complete).toBe(false);
  });

  it("reports a defect of the walk itself as an error, not as a verdict", async () => {
    // an infinite limit passes the reader's own check and makes BigInt() throw inside the walk
    await expect(readArchive(valid, { ...limits, maxUnpackedBytes: Infinity })).rejects.toThrow(RangeError);
  });
});
