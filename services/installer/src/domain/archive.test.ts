import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packFolder } from "@installhub/shared";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidPackageError, readPackage } from "./archive.ts";

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function archiveOf(files: Record<string, string>): Promise<Buffer> {
  const folder = await mkdtemp(join(tmpdir(), "installer-archive-"));
  folders.push(folder);
  for (const [name, content] of Object.entries(files)) await writeFile(join(folder, name), content);
  return packFolder(folder);
}

const manifest = (artifacts: { key: string; file: string }[]) =>
  JSON.stringify({
    id: "pkg",
    name: "Package",
    version: "1.0.0",
    publisher: "acme",
    artifacts: artifacts.map((artifact) => ({ ...artifact, type: "report", name: artifact.key })),
  });
const expected = { packageId: "pkg", version: "1.0.0" };

describe("readPackage", () => {
  it("reads the manifest and each artifact's text", async () => {
    const archive = await archiveOf({
      "manifest.json": manifest([{ key: "a", file: "a.json" }]),
      "a.json": "{}",
    });
    const contents = await readPackage(archive, expected, 1_000_000);
    expect(contents.manifest.artifacts.map((artifact) => artifact.key)).toEqual(["a"]);
    expect(contents.artifactContent.get("a")).toBe("{}");
  });

  it.each([
    [
      "a missing artifact file",
      { "manifest.json": manifest([{ key: "a", file: "a.json" }]) },
      /a\.json is missing/,
    ],
    [
      "a key used twice",
      {
        "manifest.json": manifest([
          { key: "a", file: "a.json" },
          { key: "a", file: "a.json" },
        ]),
        "a.json": "{}",
      },
      /appears twice/,
    ],
    ["no manifest", { "a.json": "{}" }, /no manifest\.json/],
  ])("rejects %s", async (_, files, message) => {
    await expect(readPackage(await archiveOf(files), expected, 1_000_000)).rejects.toThrow(message);
  });

  it("rejects another package's archive and one that unzips beyond the cap", async () => {
    const archive = await archiveOf({
      "manifest.json": manifest([{ key: "a", file: "a.json" }]),
      "a.json": "x".repeat(10_000),
    });
    await expect(readPackage(archive, { packageId: "other", version: "1.0.0" }, 1_000_000)).rejects.toThrow(
      /not other@1\.0\.0/,
    );
    await expect(readPackage(archive, expected, 1_000)).rejects.toBeInstanceOf(InvalidPackageError);
  });
});
