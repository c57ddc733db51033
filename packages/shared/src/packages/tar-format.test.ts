import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gzipTar, headerBlock, paxRecords, tarOf } from "../testing/tar-fixtures.ts";
import {
  blockSize,
  decodeHeader,
  decodeUtf8,
  gzipHeaderLength,
  isZeroBlock,
  maxExtendedHeaderBytes,
  parseNumericField,
  parsePaxRecords,
  paxKeywordProblem,
} from "./tar-format.ts";

const ascii = (text: string) => Buffer.from(text, "latin1");

describe("isZeroBlock", () => {
  it("is true only when every byte is zero, the last one included", () => {
    expect(isZeroBlock(Buffer.alloc(blockSize))).toBe(true);
    const last = Buffer.alloc(blockSize);
    last[blockSize - 1] = 1;
    expect(isZeroBlock(last)).toBe(false);
    expect(isZeroBlock(Buffer.from([1, 0, 0]))).toBe(false);
  });
});

describe("parseNumericField", () => {
  it("reads octal after optional spaces, ended by NUL or spaces", () => {
    expect(parseNumericField(ascii("00000000017\0"))).toBe(15n);
    expect(parseNumericField(ascii("   17 \0\0"))).toBe(15n);
    expect(parseNumericField(ascii("17"))).toBe(15n);
    expect(parseNumericField(ascii("\0\0\0\0"))).toBe(0n);
    expect(parseNumericField(ascii("        "))).toBe(0n);
  });

  it("reads GNU base-256 big-endian after the 0x80 marker", () => {
    expect(parseNumericField(Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0x01]))).toBe(0x20001n);
    expect(parseNumericField(Buffer.from([0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(1n << 80n);
  });

  it("refuses negative base-256, signs, stray characters, digits 8 and 9, and embedded spaces", () => {
    for (const field of [
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]),
      Buffer.from([0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
      ascii("+0000000017\0"),
      ascii("-0000000017\0"),
      ascii("0000000001x\0"),
      ascii("00000000018\0"),
      ascii("0000009\0"),
      ascii("00000 00017\0"),
      ascii("17\0 17"),
    ]) {
      expect(parseNumericField(field), field.toString("latin1")).toBeUndefined();
    }
    expect(parseNumericField(Buffer.alloc(0))).toBeUndefined();
  });
});

describe("decodeHeader", () => {
  it("reads a ustar header: type, prefix + name, link name, size and format", () => {
    const block = headerBlock({ name: "b.json", prefix: "artifacts/deep", type: "0", size: 5 });
    expect(decodeHeader(block)).toEqual({
      header: {
        typeflag: "0",
        path: Buffer.from("artifacts/deep/b.json"),
        linkname: Buffer.alloc(0),
        size: 5n,
        format: "ustar",
      },
    });
  });

  it("reads a GNU header's name alone: GNU keeps other data where ustar has the prefix", () => {
    const block = headerBlock({ name: "a.json", magic: "gnu", type: "2", linkname: "target" });
    block.write("not-a-prefix", 345, "latin1");
    // the checksum must cover the bytes written after the block was made
    let sum = 8 * 0x20;
    for (let i = 0; i < blockSize; i++) if (i < 148 || i >= 156) sum += block[i]!;
    block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    const decoded = decodeHeader(block);
    expect(decoded).toMatchObject({ header: { typeflag: "2", format: "gnu" } });
    if (!("header" in decoded)) throw new Error("expected a header");
    expect(decoded.header.path.toString()).toBe("a.json");
    expect(decoded.header.linkname.toString()).toBe("target");
  });

  it("reads a name that fills its whole field (no NUL)", () => {
    const name = "n".repeat(100);
    const decoded = decodeHeader(headerBlock({ name }));
    expect("header" in decoded && decoded.header.path.toString()).toBe(name);
  });

  it("refuses a header without ustar magic, with a wrong checksum, or with a size that is no number", () => {
    expect(decodeHeader(headerBlock({ name: "a", magic: "none" }))).toEqual({
      problem: "a header that is neither POSIX ustar nor GNU tar (no ustar magic)",
    });
    for (const checksumError of [1, -1]) {
      expect(decodeHeader(headerBlock({ name: "a", checksumError }))).toEqual({
        problem: "a header whose checksum is wrong",
      });
    }
    const noChecksum = headerBlock({ name: "a" });
    noChecksum.write("zzzzzz\0 ", 148, "latin1");
    expect(decodeHeader(noChecksum)).toEqual({ problem: "a header whose checksum is wrong" });
    const badSize = headerBlock({ name: "a", size: 1 });
    badSize.write("0000000001x\0", 124, "latin1");
    let sum = 8 * 0x20;
    for (let i = 0; i < blockSize; i++) if (i < 148 || i >= 156) sum += badSize[i]!;
    badSize.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    expect(decodeHeader(badSize)).toEqual({ problem: "a header whose size field is not a number" });
  });

  it("counts every byte outside the checksum field, up to the block's end", () => {
    const block = headerBlock({ name: "a" });
    block[511] = 1;
    expect(decodeHeader(block)).toEqual({ problem: "a header whose checksum is wrong" });
  });
});

describe("decodeUtf8", () => {
  it("decodes strict UTF-8 and refuses anything else", () => {
    expect(decodeUtf8(Buffer.from("caf\u00e9", "utf8"))).toBe("caf\u00e9");
    expect(decodeUtf8(Buffer.from([0x61, 0xff]))).toBeUndefined();
  });
});

describe("parsePaxRecords", () => {
  it("reads back-to-back records whose lengths count themselves", () => {
    const parsed = parsePaxRecords(
      paxRecords([
        ["path", "caf\u00e9.json"],
        ["mtime", "1700000000.5"],
      ]),
    );
    expect(parsed).toEqual({
      records: new Map([
        ["path", "caf\u00e9.json"],
        ["mtime", "1700000000.5"],
      ]),
    });
    expect(parsePaxRecords(Buffer.alloc(0))).toEqual({ records: new Map() });
    expect(parsePaxRecords(paxRecords([["a", "b=c"]]))).toEqual({ records: new Map([["a", "b=c"]]) });
  });

  it("names the byte where a record goes wrong, and why", () => {
    const first = paxRecords([["mtime", "1"]]);
    const at = first.length;
    const cases: [Buffer, string][] = [
      [ascii("path=a\n"), "PAX record at byte 0 has no valid length"],
      [ascii("015 path=a.json\n"), "PAX record at byte 0 has no valid length"],
      [ascii("123456789 path=a\n"), "PAX record at byte 0 has no valid length"],
      [Buffer.concat([first, ascii("x path=a\n")]), `PAX record at byte ${at} has no valid length`],
      [ascii("20 path=a.json\n"), "PAX record at byte 0 does not end where its length says"],
      [ascii("10 path=a.json\n"), "PAX record at byte 0 does not end where its length says"],
      [ascii("11 a.json\n\n"), "PAX record at byte 0 has no keyword"],
      [paxRecords([["", "a.json"]]), "PAX record at byte 0 has no keyword"],
      [
        Buffer.concat([ascii("7 "), Buffer.from([0xff]), ascii("=ab\n")]),
        "PAX record at byte 0 has no keyword",
      ],
    ];
    for (const [body, problem] of cases) {
      expect(parsePaxRecords(body), body.toString("latin1")).toEqual({ problem });
    }
  });

  it("refuses NULs, newlines, non-UTF-8 values and repeated keywords, naming the path they would set", () => {
    expect(parsePaxRecords(paxRecords([["path", "a.json\0../../x"]]))).toEqual({
      problem: 'PAX record "path" holds a NUL byte; readers that stop at it see less',
      subject: "a.json",
    });
    expect(parsePaxRecords(paxRecords([["linkpath", "b\n30 path=../../etc/passwd"]]))).toEqual({
      problem: 'PAX record "linkpath" holds a newline; line-based readers see other records',
      subject: "b",
    });
    expect(parsePaxRecords(paxRecords([["uname", "root\0admin"]]))).toEqual({
      problem: 'PAX record "uname" holds a NUL byte; readers that stop at it see less',
      subject: undefined,
    });
    expect(parsePaxRecords(paxRecords([["path", Buffer.from([0x61, 0xff])]]))).toEqual({
      problem: 'PAX record "path" is not UTF-8',
      subject: "a\ufffd",
    });
    expect(
      parsePaxRecords(
        paxRecords([
          ["path", "a.json"],
          ["path", "b.json"],
        ]),
      ),
    ).toEqual({ problem: 'PAX record "path" is given twice', subject: "b.json" });
    // a keyword that merely contains "path" is not a path
    expect(parsePaxRecords(paxRecords([["pathx", "a\0b"]]))).toMatchObject({ subject: undefined });
  });
});

describe("paxKeywordProblem", () => {
  it("refuses sparse files, non-UTF-8 charsets, sizes that are not decimal and empty paths", () => {
    expect(paxKeywordProblem("GNU.sparse.size", "100", false)).toBe(
      'PAX record "GNU.sparse.size": sparse files are not accepted',
    );
    expect(paxKeywordProblem("hdrcharset", "BINARY", false)).toBe(
      "PAX hdrcharset BINARY: only UTF-8 names are accepted",
    );
    expect(paxKeywordProblem("hdrcharset", "ISO-IEC 10646-2000-UTF-8", false)).toBeUndefined();
    for (const size of ["0x10", "-1", "01", "", "1 ", "12345678901234567890"]) {
      expect(paxKeywordProblem("size", size, false), size).toBe(`PAX size "${size}" is not a decimal number`);
    }
    for (const size of ["0", "7", "1234567890123456789"]) {
      expect(paxKeywordProblem("size", size, false), size).toBeUndefined();
    }
    expect(paxKeywordProblem("path", "", false)).toBe("PAX path is empty");
    expect(paxKeywordProblem("linkpath", "", false)).toBe("PAX linkpath is empty");
  });

  it("refuses path, linkpath and size in a global header only, and ignores every other keyword", () => {
    for (const keyword of ["path", "linkpath", "size"]) {
      const value = keyword === "size" ? "2" : "a.json";
      expect(paxKeywordProblem(keyword, value, true)).toBe(
        `a global PAX header sets "${keyword}" for every entry after it; readers disagree on that`,
      );
      expect(paxKeywordProblem(keyword, value, false)).toBeUndefined();
    }
    for (const keyword of ["mtime", "comment", "uname", "SCHILY.xattr.a", "LIBARCHIVE.creationtime"]) {
      expect(paxKeywordProblem(keyword, "", true)).toBeUndefined();
    }
  });
});

describe("gzipHeaderLength", () => {
  const plain = gzipTar(tarOf([]));
  /** A gzip header with `flags` and the optional fields after the fixed 10 bytes. */
  const header = (flags: number, ...rest: Buffer[]) =>
    Buffer.concat([Buffer.from([0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3]), ...rest, Buffer.from("deflate")]);
  const crc = (bytes: Buffer) => crc32(bytes);

  it("is 10 bytes for a plain member, and skips the extra field, name and comment the flags announce", () => {
    expect(gzipHeaderLength(plain, crc)).toBe(10);
    expect(gzipHeaderLength(header(0x04, Buffer.from([3, 0, 1, 2, 3])), crc)).toBe(15);
    expect(gzipHeaderLength(header(0x08, ascii("a.tar\0")), crc)).toBe(16);
    expect(gzipHeaderLength(header(0x10, ascii("note\0")), crc)).toBe(15);
    expect(gzipHeaderLength(header(0x18, ascii("a.tar\0"), ascii("note\0")), crc)).toBe(21);
  });

  it("checks the header CRC when announced", () => {
    const withoutCrc = Buffer.from([0x1f, 0x8b, 8, 0x02, 0, 0, 0, 0, 0, 3]);
    const good = Buffer.alloc(2);
    good.writeUInt16LE(crc32(withoutCrc) & 0xffff);
    expect(gzipHeaderLength(Buffer.concat([withoutCrc, good, ascii("deflate")]), crc)).toBe(12);
    const bad = Buffer.from(good);
    bad[0]! ^= 1;
    expect(gzipHeaderLength(Buffer.concat([withoutCrc, bad, ascii("deflate")]), crc)).toEqual({
      problem: "gzip header CRC does not match",
    });
    expect(gzipHeaderLength(withoutCrc, crc)).toEqual({ problem: "gzip header is cut short" });
    expect(gzipHeaderLength(Buffer.concat([withoutCrc, good.subarray(0, 1)]), crc)).toEqual({
      problem: "gzip header is cut short",
    });
  });

  it("refuses another method, reserved flags, an unterminated name and a header longer than the data", () => {
    const other = Buffer.from(plain);
    other[2] = 7;
    expect(gzipHeaderLength(other, crc)).toEqual({
      problem: "gzip compression method 7 is not deflate (RFC 1952)",
    });
    for (const flags of [0x20, 0x40, 0x80]) {
      expect(gzipHeaderLength(header(flags), crc)).toEqual({
        problem: "gzip header has reserved flag bits set (RFC 1952 §2.3.1)",
      });
    }
    expect(gzipHeaderLength(Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3, 0x61]), crc)).toEqual({
      problem: "gzip header name or comment is not terminated",
    });
    expect(gzipHeaderLength(Buffer.from([0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 3, 9, 0]), crc)).toEqual({
      problem: "gzip header is cut short",
    });
    expect(gzipHeaderLength(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0]), crc)).toEqual({
      problem: "gzip header is cut short",
    });
    expect(gzipHeaderLength(Buffer.from([0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 3, 9]), crc)).toEqual({
      problem: "gzip header is cut short",
    });
  });

  it("keeps extended headers of up to 1 MiB (CVE-2022-2879)", () => {
    expect(maxExtendedHeaderBytes).toBe(1024 * 1024);
  });
});
