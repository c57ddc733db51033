import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { list } from "tar";
import { afterEach, describe, expect, it } from "vitest";
import { packFolder } from "./archive.ts";

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

/** A package folder with files written out of name order, in nested folders. */
async function packageFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "pack-folder-"));
  folders.push(folder);
  await mkdir(join(folder, "artifacts/nested"), { recursive: true });
  for (const [path, body] of [
    ["manifest.json", "{}"],
    ["artifacts/z.json", "z"],
    ["artifacts/nested/y.json", "y"],
    ["artifacts/a.json", "a"],
    // listed after nested/ by a depth-first walk, but sorted before it ('-' < '/')
    ["artifacts/nested-x.json", "x"],
    ["b.txt", "b"],
  ]) {
    await writeFile(join(folder, path!), body!);
  }
  return folder;
}

/** Every entry's header fields that could vary between machines or runs. */
async function entriesOf(archive: Buffer) {
  const entries: { path: string; type: string; mtime: number | undefined; uid?: number; uname?: string }[] =
    [];
  const parser = list({
    onReadEntry: (entry) => {
      entries.push({
        path: entry.path,
        type: entry.type,
        mtime: entry.mtime?.getTime(),
        uid: entry.uid,
        uname: entry.uname,
      });
      entry.resume();
    },
  });
  const ended = new Promise((resolve) => parser.on("end", resolve));
  parser.end(archive);
  await ended;
  return entries;
}

describe("packFolder", () => {
  it("writes every file below the folder, by relative path in sorted order, and no directory entries", async () => {
    const entries = await entriesOf(await packFolder(await packageFolder()));
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ["artifacts/a.json", "File"],
      ["artifacts/nested-x.json", "File"],
      ["artifacts/nested/y.json", "File"],
      ["artifacts/z.json", "File"],
      ["b.txt", "File"],
      ["manifest.json", "File"],
    ]);
  });

  it("gives the same bytes whatever the files' times and owner, with mtime 0 and no owner recorded", async () => {
    const folder = await packageFolder();
    const first = await packFolder(folder);
    await utimes(join(folder, "b.txt"), new Date("2030-01-01"), new Date("2030-01-01"));
    expect((await packFolder(folder)).equals(first)).toBe(true);
    for (const entry of await entriesOf(first)) {
      expect(entry.mtime).toBe(0);
      expect(entry.uid ?? 0).toBe(0);
      expect(entry.uname ?? "").toBe("");
    }
  });

  it("compresses at gzip's best level", async () => {
    const archive = await packFolder(await packageFolder());
    // RFC 1952: XFL = 2 when the compressor used maximum compression
    expect(archive[8]).toBe(2);
    expect(gunzipSync(archive).length % 512).toBe(0);
  });
});
