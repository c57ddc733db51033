import { gzipSync } from "node:zlib";
import { examplesRoot, packFolder } from "@installhub/shared";
import { describe, expect, it } from "vitest";
import { tarGz } from "../../test/tar-builder.ts";
import { type ArchiveLimits, readArchive } from "./archive-reader.ts";

const limits: ArchiveLimits = {
  maxEntries: 100,
  maxUnpackedBytes: 16 * 1024 * 1024,
  maxCompressionRatio: 200,
};
const ruleIds = (findings: { ruleId: string; file: string }[]) => findings.map((f) => [f.ruleId, f.file]);

describe("readArchive", () => {
  it("reads an example package into memory, every file and nothing else", async () => {
    const bytes = await packFolder(`${examplesRoot}/packages/acme-invoice-workflows/3.0.0`);
    const archive = await readArchive(bytes, limits);
    expect(archive.findings).toEqual([]);
    expect(archive.complete).toBe(true);
    expect([...archive.files.keys()].sort()).toEqual([
      "artifacts/invoice-approval.json",
      "artifacts/invoice-dashboard.json",
      "artifacts/invoice-reminder.json",
      "artifacts/overdue-report.json",
      "artifacts/vendor-sync.js",
      "manifest.json",
    ]);
    expect(archive.files.get("artifacts/vendor-sync.js")?.toString()).toContain("mapVendor");
  });

  it("reports traversal, absolute paths, links and devices by entry and keeps none of them", async () => {
    const archive = await readArchive(
      tarGz([
        { path: "ok.txt", body: "fine" },
        { path: "../escape.txt", body: "x" },
        { path: "/etc/cron.d/job", body: "x" },
        { path: "C:\\evil.dll", body: "x" },
        { path: "link", type: "SymbolicLink", linkpath: "/etc/passwd" },
        { path: "hard", type: "Link", linkpath: "ok.txt" },
        { path: "tty", type: "CharacterDevice" },
        { path: "pipe", type: "FIFO" },
      ]),
      limits,
    );
    expect(ruleIds(archive.findings)).toEqual([
      ["archive.path-traversal", "../escape.txt"],
      ["archive.absolute-path", "/etc/cron.d/job"],
      ["archive.absolute-path", "C:\\evil.dll"],
      ["archive.symlink", "link"],
      ["archive.hardlink", "hard"],
      ["archive.device-entry", "tty"],
      ["archive.device-entry", "pipe"],
    ]);
    expect([...archive.files.keys()]).toEqual(["ok.txt"]);
    expect(archive.complete).toBe(true);
  });

  it("reports a path that appears twice", async () => {
    const archive = await readArchive(
      tarGz([
        { path: "a.txt", body: "scanned" },
        { path: "./a.txt", body: "imported" },
      ]),
      limits,
    );
    expect(ruleIds(archive.findings)).toEqual([["archive.duplicate-entry", "a.txt"]]);
    expect(archive.files.get("a.txt")?.toString()).toBe("scanned");
  });

  it("stops at the entry that passes the entry limit", async () => {
    const entries = Array.from({ length: 6 }, (_, i) => ({ path: `f${i}.txt`, body: "x" }));
    const archive = await readArchive(tarGz(entries), { ...limits, maxEntries: 5 });
    expect(ruleIds(archive.findings)).toEqual([["archive.too-many-entries", "f5.txt"]]);
    expect(archive.complete).toBe(false);
  });

  it("stops a gzip bomb on the compression ratio before inflating it", async () => {
    const bomb = tarGz([{ path: "zeros.bin", body: Buffer.alloc(16 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(64 * 1024);
    const archive = await readArchive(bomb, { ...limits, maxUnpackedBytes: 1024 * 1024 * 1024 });
    expect(ruleIds(archive.findings)).toEqual([["archive.compression-ratio", "(archive)"]]);
    expect(archive.findings[0]?.message).toContain("200:1");
    expect(archive.complete).toBe(false);
    expect(archive.files.size).toBe(0);
  });

  it("stops when the unpacked size passes the limit", async () => {
    const random = Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => (i * 7919) % 251));
    const archive = await readArchive(tarGz([{ path: "big.bin", body: random }]), {
      ...limits,
      maxUnpackedBytes: 100 * 1024,
    });
    expect(ruleIds(archive.findings)).toEqual([["archive.unpacked-too-large", "(archive)"]]);
    expect(archive.complete).toBe(false);
  });

  it("refuses bytes that are not gzip, and gzip inside gzip", async () => {
    const plain = await readArchive(Buffer.from("PK\u0003\u0004 a zip file"), limits);
    expect(ruleIds(plain.findings)).toEqual([["archive.not-gzip", "(archive)"]]);
    const nested = await readArchive(gzipSync(tarGz([{ path: "a.txt", body: "x" }])), limits);
    expect(ruleIds(nested.findings)).toEqual([["archive.nested-compression", "(archive)"]]);
  });

  it("reports corrupt gzip and corrupt tar data", async () => {
    const valid = tarGz([{ path: "a.txt", body: "hello" }]);
    const truncated = await readArchive(valid.subarray(0, valid.length - 12), limits);
    expect(truncated.findings.map((f) => f.ruleId)).toContain("archive.corrupt");
    expect(truncated.complete).toBe(false);
    const garbage = await readArchive(gzipSync(Buffer.alloc(2048, 0x41)), limits);
    expect(garbage.findings.map((f) => f.ruleId)).toContain("archive.corrupt");
    expect(garbage.complete).toBe(false);
  });
});
