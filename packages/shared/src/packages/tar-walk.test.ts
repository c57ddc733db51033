import { describe, expect, it } from "vitest";
import {
  gnuLongHeader,
  headerBlock,
  paxHeader,
  paxRecords,
  type TarPart,
  tarOf,
} from "../testing/tar-fixtures.ts";
import { maxExtendedHeaderBytes } from "./tar-format.ts";
import { archiveFinding, archiveLabel, StopReading, type WalkState, walkTar } from "./tar-walk.ts";

const limits = { maxEntries: 100, maxUnpackedBytes: 4 * 1024 * 1024 };

/**
 * Drives the walk over tar bytes the way the archive reader does, handing it exactly the bytes it
 * asks for (zeros past the end). Returns what it kept and found, and the finding that stopped it.
 */
function walk(tar: Buffer, walkLimits = limits) {
  const state: WalkState = { files: new Map(), findings: [] };
  const walker = walkTar(walkLimits, state);
  let offset = 0;
  let stopped: ReturnType<typeof archiveFinding> | undefined;
  try {
    let step = walker.next();
    while (!step.done) {
      const wanted = step.value;
      const bytes = Buffer.alloc(wanted);
      tar.copy(bytes, 0, offset, offset + wanted);
      offset += wanted;
      step = walker.next(bytes);
    }
  } catch (error) {
    if (!(error instanceof StopReading)) throw error;
    stopped = error.finding;
  }
  return { files: state.files, findings: state.findings, stopped, read: offset };
}

const of = (parts: TarPart[], options?: { end?: boolean }) => walk(tarOf(parts, options));
const file = (name: string, body = "{}"): TarPart => ({ header: { name }, body });
const found = (ruleId: string, file: string, message: string) => archiveFinding(ruleId, file, message);

describe("walkTar: the end of the archive", () => {
  it("ends at two zero blocks, having read nothing after them", () => {
    const result = of([file("a.json", "hello")]);
    expect(result.stopped).toBeUndefined();
    expect(result.findings).toEqual([]);
    expect(result.files).toEqual(new Map([["a.json", Buffer.from("hello")]]));
    expect(result.read).toBe(4 * 512);
  });

  it("refuses a lone zero block, naming where it is", () => {
    const result = walk(
      Buffer.concat([tarOf([file("a.json")], { end: false }), Buffer.alloc(512), tarOf([file("b.json")])]),
    );
    expect(result.stopped).toEqual(
      found(
        "archive.corrupt",
        archiveLabel,
        "a lone zero block at byte 1024: readers disagree on whether the archive ends there",
      ),
    );
  });

  it("refuses an extended header with no entry after it", () => {
    for (const dangling of [
      paxHeader([["path", "b.json"]]),
      gnuLongHeader("b.json"),
      gnuLongHeader("t", "K"),
    ]) {
      expect(of([file("a.json"), dangling]).stopped).toEqual(
        found(
          "archive.header-sequence",
          archiveLabel,
          "an extended header at the end of the archive has no entry",
        ),
      );
    }
    // a global header at the end applies to nothing and harms nothing
    expect(of([file("a.json"), paxHeader([["comment", "x"]], "g")]).stopped).toBeUndefined();
  });

  it("names a corrupt header by the byte it starts at", () => {
    const result = of([file("a.json"), { header: { name: "b.json", checksumError: 1 } }]);
    expect(result.stopped).toEqual(
      found("archive.corrupt", archiveLabel, "a header whose checksum is wrong (byte 1024)"),
    );
  });
});

describe("walkTar: limits", () => {
  it("allows exactly maxEntries entries, and stops at the next one, naming it", () => {
    const three = [file("a"), file("b"), file("c")];
    expect(of(three, { end: true }).stopped).toBeUndefined();
    expect(walk(tarOf(three), { ...limits, maxEntries: 3 }).stopped).toBeUndefined();
    expect(walk(tarOf([...three, file("d")]), { ...limits, maxEntries: 3 }).stopped).toEqual(
      found("archive.too-many-entries", "d", "the archive has more than 3 entries"),
    );
  });

  it("counts an entry's extended headers with it, and a global header on its own", () => {
    const withExtensions = [
      paxHeader([["mtime", "1"]]),
      file("a"),
      gnuLongHeader(`b${"x".repeat(120)}`),
      file("b"),
    ];
    expect(walk(tarOf(withExtensions), { ...limits, maxEntries: 2 }).stopped).toBeUndefined();
    const global = [paxHeader([["comment", "x"]], "g"), file("a"), file("b")];
    expect(walk(tarOf(global), { ...limits, maxEntries: 2 }).stopped).toMatchObject({
      ruleId: "archive.too-many-entries",
      file: "b",
    });
  });

  it("allows a size claim of exactly maxUnpackedBytes and stops a larger one before reading it", () => {
    const exact = walk(tarOf([{ header: { name: "big" }, body: Buffer.alloc(1000) }]), {
      ...limits,
      maxUnpackedBytes: 1000,
    });
    expect(exact.stopped).toBeUndefined();
    const over = walk(tarOf([{ header: { name: "big" }, body: Buffer.alloc(1001) }]), {
      ...limits,
      maxUnpackedBytes: 1000,
    });
    expect(over.stopped).toEqual(
      found(
        "archive.unpacked-too-large",
        "big",
        "the entry claims 1001 bytes, more than the 1000 allowed unpacked",
      ),
    );
    expect(over.read).toBe(512);
  });

  it("accepts an extended header of exactly 1 MiB and refuses a larger one", () => {
    const record = (total: number) => {
      // one comment record whose length (7 digits) counts itself: "NNNNNNN comment=…\n"
      const value = "v".repeat(total - 7 - " comment=\n".length);
      return paxRecords([["comment", value]]);
    };
    expect(record(maxExtendedHeaderBytes)).toHaveLength(maxExtendedHeaderBytes);
    const exact = of([
      { header: { name: "PaxHeader/a", type: "x" }, body: record(maxExtendedHeaderBytes) },
      file("a"),
    ]);
    expect(exact.stopped).toBeUndefined();
    const over = of([
      { header: { name: "PaxHeader/a", type: "x" }, body: record(maxExtendedHeaderBytes + 1) },
      file("a"),
    ]);
    expect(over.stopped).toEqual(
      found(
        "archive.corrupt",
        "PaxHeader/a",
        `an extended header of ${maxExtendedHeaderBytes + 1} bytes (at most ${maxExtendedHeaderBytes})`,
      ),
    );
  });
});

describe("walkTar: extended headers", () => {
  it("applies a PAX path and a GNU long name to the next entry only", () => {
    const long = `artifacts/${"l".repeat(150)}.json`;
    const result = of([
      paxHeader([["path", "caf\u00e9.json"]]),
      file("caf?.json", "pax"),
      gnuLongHeader(long),
      { header: { name: long.slice(0, 100) }, body: "gnu" },
      file("plain.json", "plain"),
    ]);
    expect(result.findings).toEqual([]);
    expect([...result.files.entries()].map(([k, v]) => [k, v.toString()])).toEqual([
      ["caf\u00e9.json", "pax"],
      [long, "gnu"],
      ["plain.json", "plain"],
    ]);
  });

  it("keeps a GNU long name up to its first NUL padding, dropping trailing NULs only", () => {
    const result = of([
      { header: { name: "././@LongLink", type: "L", magic: "gnu" }, body: Buffer.from("a.json\0\0\0") },
      file("a.json", "x"),
    ]);
    expect(result.findings).toEqual([]);
    expect([...result.files.keys()]).toEqual(["a.json"]);
  });

  it("names the rule broken by each sequence of extended headers", () => {
    const cases: [TarPart[], ReturnType<typeof found>][] = [
      [
        [paxHeader([["mtime", "1"]]), gnuLongHeader("a.json")],
        found(
          "archive.header-sequence",
          "a.json",
          "a GNU long name/link header after a PAX extended header: readers disagree on which header the PAX record applies to (the size-desync shape)",
        ),
      ],
      [
        [paxHeader([["mtime", "1"]], "g"), gnuLongHeader("a.json")],
        found(
          "archive.header-sequence",
          "a.json",
          "a GNU long name/link header after a PAX extended header: readers disagree on which header the PAX record applies to (the size-desync shape)",
        ),
      ],
      [
        [gnuLongHeader("a.json"), gnuLongHeader("b.json")],
        found("archive.header-sequence", "b.json", "two GNU long names (or links) for one entry"),
      ],
      [
        [gnuLongHeader("t1", "K"), gnuLongHeader("t2", "K")],
        found("archive.header-sequence", "t2", "two GNU long names (or links) for one entry"),
      ],
      [
        [gnuLongHeader("a.json"), paxHeader([["mtime", "1"]])],
        found(
          "archive.header-sequence",
          "PaxHeader/entry",
          "a PAX extended header after a GNU long name/link header",
        ),
      ],
      [
        [gnuLongHeader("t", "K"), paxHeader([["mtime", "1"]], "g")],
        found(
          "archive.header-sequence",
          "PaxHeader/entry",
          "a PAX extended header after a GNU long name/link header",
        ),
      ],
      [
        [paxHeader([["mtime", "1"]]), paxHeader([["mtime", "2"]])],
        found(
          "archive.header-sequence",
          "PaxHeader/entry",
          "a PAX header after another PAX header, before any entry",
        ),
      ],
      [
        [{ header: { name: "././@LongLink", type: "L", magic: "gnu" }, body: Buffer.from("a\0b\0") }],
        found("archive.gnu-long-name", "a", "a GNU long name that is empty or holds a NUL byte"),
      ],
      [
        [{ header: { name: "././@LongLink", type: "L", magic: "gnu" }, body: Buffer.from("\0") }],
        found("archive.gnu-long-name", "", "a GNU long name that is empty or holds a NUL byte"),
      ],
      [
        [paxHeader([["size", "x"]])],
        found("archive.pax-invalid", "PaxHeader/entry", 'PAX size "x" is not a decimal number'),
      ],
      [
        [
          paxHeader([
            ["path", "p.json"],
            ["size", "x"],
          ]),
        ],
        found("archive.pax-invalid", "p.json", 'PAX size "x" is not a decimal number'),
      ],
      [
        [{ header: { name: "PaxHeader/q", type: "x" }, body: Buffer.from("5 a=b\n") }],
        found(
          "archive.pax-invalid",
          "PaxHeader/q",
          "PAX record at byte 0 does not end where its length says",
        ),
      ],
      [
        [paxHeader([["path", "a.json\0b"]])],
        found(
          "archive.pax-invalid",
          "a.json",
          'PAX record "path" holds a NUL byte; readers that stop at it see less',
        ),
      ],
    ];
    for (const [parts, expected] of cases) {
      expect(of([...parts, file("a.json")]).stopped, expected.message).toEqual(expected);
    }
  });

  it("lets a PAX size agree with the header's, and stops at one that does not", () => {
    expect(of([paxHeader([["size", "2"]]), file("a.json", "{}")]).stopped).toBeUndefined();
    expect(of([paxHeader([["size", "3"]]), file("a.json", "{}")]).stopped).toEqual(
      found("archive.pax-mismatch", "a.json", "PAX size 3 contradicts the header's size 2"),
    );
  });

  it("stops at a PAX path the ustar name could have held that differs from it, and only then", () => {
    const ninetyNine = `p${"x".repeat(98)}`;
    expect(of([paxHeader([["path", ninetyNine]]), file("other.json")]).stopped).toEqual(
      found(
        "archive.pax-mismatch",
        ninetyNine,
        'PAX path contradicts the header\'s name "other.json", which could have held it',
      ),
    );
    // 100 characters, a control character or a non-ASCII one: the writer had to use PAX
    for (const path of [`p${"x".repeat(99)}`, "tab\there.json", "caf\u00e9.json"]) {
      expect(of([paxHeader([["path", path]]), file("placeholder.json")]).stopped, path).toBeUndefined();
    }
    expect(of([paxHeader([["path", "same.json"]]), file("same.json")]).stopped).toBeUndefined();
  });

  it("stops at a GNU long name that the header's name does not begin", () => {
    expect(of([gnuLongHeader("b.json"), file("a.json")]).stopped).toEqual(
      found("archive.gnu-long-name", "b.json", 'the GNU long name contradicts the header\'s name "a.json"'),
    );
    expect(of([gnuLongHeader("a.json.long"), file("a.json")]).stopped).toBeUndefined();
  });

  it("refuses link data on entries that are not links", () => {
    expect(of([paxHeader([["linkpath", "t"]]), file("a.json")]).stopped).toEqual(
      found("archive.pax-mismatch", "a.json", "a PAX linkpath on a file entry"),
    );
    expect(of([gnuLongHeader("t", "K"), { header: { name: "d/", type: "5" } }]).stopped).toEqual(
      found("archive.header-sequence", "d/", "a GNU long link before a directory entry"),
    );
    expect(of([{ header: { name: "a.json", linkname: "t" } }]).stopped).toEqual(
      found("archive.corrupt", "a.json", "a link target on a file entry"),
    );
  });

  it("names a link by its target from PAX, a GNU long link, or the header", () => {
    const result = of([
      paxHeader([["linkpath", "pax-target"]]),
      { header: { name: "l1", type: "2", linkname: "pax-target" } },
      gnuLongHeader("gnu-target", "K"),
      { header: { name: "l2", type: "1", linkname: "gnu" } },
      { header: { name: "l3", type: "2", linkname: "plain" } },
    ]);
    expect(result.stopped).toBeUndefined();
    expect(result.findings).toEqual([
      found("archive.symlink", "l1", "symbolic link to pax-target"),
      found("archive.hardlink", "l2", "hard link to gnu-target"),
      found("archive.symlink", "l3", "symbolic link to plain"),
    ]);
  });
});

describe("walkTar: entry types", () => {
  it("names an unknown type flag, printable or not, and stops there", () => {
    expect(of([{ header: { name: "s", type: "S" }, body: "x" }]).stopped).toEqual(
      found("archive.entry-type", "s", "unsupported tar entry type 'S'"),
    );
    expect(of([{ header: { name: "c", type: "\u0001" } }]).stopped).toEqual(
      found("archive.entry-type", "c", "unsupported tar entry type 0x1"),
    );
    expect(of([{ header: { name: "t", type: "~" } }]).stopped).toEqual(
      found("archive.entry-type", "t", "unsupported tar entry type '~'"),
    );
  });

  it("reads '0', NUL and '7' as regular files, and keeps directories, devices and FIFOs out", () => {
    const result = of([
      { header: { name: "a", type: "0" }, body: "a" },
      { header: { name: "b", type: "\0" }, body: "b" },
      { header: { name: "c", type: "7" }, body: "c" },
      { header: { name: "d/", type: "5" } },
      { header: { name: "tty", type: "3" } },
      { header: { name: "sda", type: "4" } },
      { header: { name: "pipe", type: "6" } },
    ]);
    expect([...result.files.keys()]).toEqual(["a", "b", "c"]);
    expect(result.findings).toEqual([
      found("archive.device-entry", "tty", "device entry"),
      found("archive.device-entry", "sda", "device entry"),
      found("archive.device-entry", "pipe", "FIFO entry"),
    ]);
  });

  it("stops at data on an entry that has none, naming the kind", () => {
    expect(
      walk(Buffer.concat([headerBlock({ name: "d/", type: "5", size: 5 }), Buffer.alloc(2048)])).stopped,
    ).toEqual(
      found(
        "archive.corrupt",
        "d/",
        "a directory entry with 5 bytes of data: readers disagree on whether data follows",
      ),
    );
    expect(
      walk(Buffer.concat([headerBlock({ name: "p", type: "6", size: 1 }), Buffer.alloc(2048)])).stopped,
    ).toEqual(
      found(
        "archive.corrupt",
        "p",
        "a FIFO entry with 1 bytes of data: readers disagree on whether data follows",
      ),
    );
  });

  it("refuses a regular file named like a directory", () => {
    expect(of([file("dir.json/")]).findings).toEqual([
      found("archive.entry-type", "dir.json/", "a regular file named like a directory"),
    ]);
  });
});

describe("walkTar: paths", () => {
  it("says what is wrong with each path, keeps none of those entries, and reads on", () => {
    const result = of([
      file("."),
      file("/etc/passwd"),
      file("\\windows\\evil.dll"),
      file("c:evil.dll"),
      file("Z:/evil.dll"),
      file("a/../../escape"),
      file("a\\..\\escape"),
      file("..."),
      file("bad\u001fname"),
      file("del\u007fname"),
      file("c1\u0080name"),
      file("c1\u009fname"),
      file("nbsp\u00a0name"),
      file("tilde~name"),
      { header: { name: Buffer.from([0x61, 0xff]) } },
      file("last.txt"),
    ]);
    expect(result.findings).toEqual([
      found("archive.path-characters", ".", "entry has no name"),
      found("archive.absolute-path", "/etc/passwd", "entry has an absolute path"),
      found("archive.absolute-path", "\\windows\\evil.dll", "entry has an absolute path"),
      found("archive.absolute-path", "c:evil.dll", "entry path starts with a drive letter"),
      found("archive.absolute-path", "Z:/evil.dll", "entry path starts with a drive letter"),
      found("archive.path-traversal", "a/../../escape", "entry path climbs out with '..'"),
      found("archive.path-traversal", "a\\..\\escape", "entry path climbs out with '..'"),
      found("archive.path-characters", "bad\u001fname", "entry path holds control characters"),
      found("archive.path-characters", "del\u007fname", "entry path holds control characters"),
      found("archive.path-characters", "c1\u0080name", "entry path holds control characters"),
      found("archive.path-characters", "c1\u009fname", "entry path holds control characters"),
      found("archive.path-characters", "a\u00ff", "entry path is not valid UTF-8"),
    ]);
    expect([...result.files.keys()]).toEqual(["...", "nbsp\u00a0name", "tilde~name", "last.txt"]);
  });

  it("keeps files by their normalised path", () => {
    expect([...of([file("./a//b/./c.json")]).files.keys()]).toEqual(["a/b/c.json"]);
  });
});

describe("walkTar: where entries land", () => {
  it("names the earlier entry of a duplicate, saying when only normalisation made them one", () => {
    const result = of([
      file("a.json"),
      file("a.json"),
      file("./A.JSON"),
      file("caf\u00e9"),
      file("cafe\u0301"),
    ]);
    expect(result.findings).toEqual([
      found("archive.duplicate-entry", "a.json", "the archive already holds a.json"),
      found(
        "archive.duplicate-entry",
        "./A.JSON",
        "the archive already holds a.json (the same name once ./, //, \\, Unicode form and letter case are normalised)",
      ),
      found(
        "archive.duplicate-entry",
        "cafe\u0301",
        "the archive already holds caf\u00e9 (the same name once ./, //, \\, Unicode form and letter case are normalised)",
      ),
    ]);
    expect([...result.files.keys()]).toEqual(["a.json", "caf\u00e9"]);
  });

  it("refuses entries below a link, a file or a device, at any depth, but not below a directory", () => {
    const result = of([
      { header: { name: "l", type: "2", linkname: "/etc" } },
      file("l/cron.json"),
      file("f"),
      file("f/x/y.json"),
      { header: { name: "d/", type: "5" } },
      file("d/ok.json"),
    ]);
    expect(result.findings).toEqual([
      found("archive.symlink", "l", "symbolic link to /etc"),
      found("archive.path-conflict", "l/cron.json", "entry lies below the symbolic link l"),
      found("archive.path-conflict", "f/x/y.json", "entry lies below the file f"),
    ]);
    expect([...result.files.keys()]).toEqual(["f", "d/ok.json"]);
  });

  it("refuses a file or link where earlier entries have a directory, but lets a directory repeat", () => {
    const result = of([
      file("dir/a.json"),
      file("dir"),
      { header: { name: "dir2/b/c.json" } },
      { header: { name: "dir2/b", type: "2", linkname: "x" } },
      { header: { name: "dir3/", type: "5" } },
      { header: { name: "./dir3", type: "5" } },
      file("dir3/ok.json"),
    ]);
    expect(result.findings).toEqual([
      found("archive.path-conflict", "dir", "a file where earlier entries have a directory"),
      found("archive.symlink", "dir2/b", "symbolic link to x"),
      found("archive.path-conflict", "dir2/b", "a symbolic link where earlier entries have a directory"),
    ]);
  });

  it("refuses a directory where a file was", () => {
    const result = of([file("x"), { header: { name: "x/", type: "5" } }]);
    expect(result.findings).toEqual([
      found(
        "archive.duplicate-entry",
        "x/",
        "the archive already holds x (the same name once ./, //, \\, Unicode form and letter case are normalised)",
      ),
    ]);
  });
});

describe("walkTar: survivors of the first mutation run", () => {
  it("accepts a GNU long name and a long link for one entry, in either order", () => {
    for (const order of [
      [gnuLongHeader(`l${"n".repeat(120)}`), gnuLongHeader("target", "K")],
      [gnuLongHeader("target", "K"), gnuLongHeader(`l${"n".repeat(120)}`)],
    ]) {
      const result = of([...order, { header: { name: `l${"n".repeat(99)}`, type: "2", linkname: "t" } }]);
      expect(result.stopped).toBeUndefined();
      expect(result.findings).toEqual([
        found("archive.symlink", `l${"n".repeat(120)}`, "symbolic link to target"),
      ]);
    }
  });

  it("names a link by its PAX linkpath, not by the header's shorter name for it", () => {
    const result = of([
      paxHeader([["linkpath", "pax-target"]]),
      { header: { name: "l", type: "2", linkname: "short" } },
    ]);
    expect(result.findings).toEqual([found("archive.symlink", "l", "symbolic link to pax-target")]);
  });

  it("takes a drive letter only at the start, and a space for an ordinary character", () => {
    const result = of([file("notes/a:b.json"), file("a b.json")]);
    expect(result.findings).toEqual([]);
    expect([...result.files.keys()]).toEqual(["notes/a:b.json", "a b.json"]);
  });

  it("keeps names a case-insensitive file system keeps apart: ß is not SS", () => {
    const result = of([file("stra\u00dfe.json"), file("STRASSE.json")]);
    expect(result.findings).toEqual([]);
  });

  it("does not count the archive root as an entry that later ones can repeat", () => {
    const result = of([{ header: { name: "./", type: "5" } }, file(".")]);
    expect(result.findings).toEqual([found("archive.path-characters", ".", "entry has no name")]);
  });

  it("refuses a file named like an earlier directory, and lets a directory follow files inside it", () => {
    expect(of([{ header: { name: "d/", type: "5" } }, file("d")]).findings).toEqual([
      found(
        "archive.duplicate-entry",
        "d",
        "the archive already holds d/ (the same name once ./, //, \\, Unicode form and letter case are normalised)",
      ),
    ]);
    expect(of([file("x/a.json"), { header: { name: "x/", type: "5" } }]).findings).toEqual([]);
  });

  it("names the first of several twins in every duplicate finding", () => {
    const result = of([file("a.json"), file("./a.json"), file("A.JSON")]);
    expect(result.findings.map((f) => f.message)).toEqual([
      "the archive already holds a.json (the same name once ./, //, \\, Unicode form and letter case are normalised)",
      "the archive already holds a.json (the same name once ./, //, \\, Unicode form and letter case are normalised)",
    ]);
  });
});
