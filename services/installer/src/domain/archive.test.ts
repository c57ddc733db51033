import {
  type ApprovedFile,
  type ArchiveLimits,
  approvedFilesOf,
  readArchive,
  sha256Hex,
} from "@installhub/shared";
import {
  fixtureManifest,
  fixturePackage,
  gzipTar,
  hostileArchive,
  type TarPart,
  tarOf,
} from "@installhub/shared/testing";
import { describe, expect, it } from "vitest";
import { readApprovedPackage } from "./archive.ts";

const limits: ArchiveLimits = { maxEntries: 1000, maxUnpackedBytes: 1_000_000, maxCompressionRatio: 1100 };
const expected = { packageId: fixturePackage.id, version: fixturePackage.version };
const file = (name: string, body: string): TarPart => ({ header: { name }, body });
const archiveOf = (parts: TarPart[]) => gzipTar(tarOf(parts));

/** What the scanner approves for these bytes: the same reader, the same list. */
async function approvedFor(bytes: Buffer): Promise<ApprovedFile[]> {
  return approvedFilesOf((await readArchive(bytes, limits)).files);
}

describe("readApprovedPackage", () => {
  const clean = archiveOf([
    file("manifest.json", fixtureManifest(["artifacts/a.json"])),
    file("artifacts/a.json", '{"a":1}'),
  ]);

  it("reads the manifest and each artifact's text from the approved files", async () => {
    const reading = await readApprovedPackage(clean, await approvedFor(clean), expected, limits);
    if ("failure" in reading) throw new Error(reading.failure.message);
    expect(reading.contents.manifest.artifacts.map((artifact) => artifact.key)).toEqual(["artifact-1"]);
    expect(reading.contents.artifactContent.get("artifact-1")).toBe('{"a":1}');
  });

  it("reads contiguous and old-style files as the scanner did", async () => {
    const contiguous = hostileArchive("contiguous-file");
    const reading = await readApprovedPackage(
      contiguous.bytes,
      await approvedFor(contiguous.bytes),
      expected,
      limits,
    );
    if ("failure" in reading) throw new Error(reading.failure.message);
    expect([...reading.contents.artifactContent.values()]).toEqual([
      '{"a":"contiguous"}',
      '{"b":"old file"}',
    ]);
  });

  it("fails with ArchiveChanged when the files are not exactly the approved ones", async () => {
    const approved = await approvedFor(clean);
    const cases: [ApprovedFile[], Record<string, string[]>][] = [
      [approved.slice(1), { unapproved: ["artifacts/a.json"] }],
      [
        [...approved, { path: "artifacts/b.json", sha256: "b".repeat(64) }],
        { missing: ["artifacts/b.json"] },
      ],
      [
        [{ path: "artifacts/a.json", sha256: sha256Hex(Buffer.from('{"a":2}')) }, approved[1]!],
        { changed: ["artifacts/a.json"] },
      ],
    ];
    for (const [list, difference] of cases) {
      const reading = await readApprovedPackage(clean, list, expected, limits);
      expect(reading).toMatchObject({
        failure: {
          error: "ArchiveChanged",
          message: "The archive does not hold exactly the files the scan approved",
          details: difference,
        },
      });
    }
  });

  it("fails with InvalidPackage when the reader finds anything, whatever the list says", async () => {
    const duplicates = hostileArchive("duplicates");
    const approved = [
      { path: "artifacts/a.json", sha256: sha256Hex(Buffer.from('{"a":1}')) },
      { path: "manifest.json", sha256: sha256Hex(Buffer.from(fixtureManifest(["artifacts/a.json"]))) },
    ];
    const reading = await readApprovedPackage(duplicates.bytes, approved, expected, limits);
    expect(reading).toMatchObject({
      failure: {
        error: "InvalidPackage",
        message: `the archive cannot be read as it was scanned: ${(await readArchive(duplicates.bytes, limits)).findings[0]!.message}`,
        details: { findings: [{ ruleId: "archive.duplicate-entry" }, {}] },
      },
    });
    const big = archiveOf([file("manifest.json", "x".repeat(2_000_000))]);
    expect(await readApprovedPackage(big, [], expected, limits)).toMatchObject({
      failure: { error: "InvalidPackage" },
    });
  });

  it.each([
    [
      "a missing artifact file",
      [file("manifest.json", fixtureManifest(["artifacts/a.json"]))],
      /a\.json is missing/,
    ],
    [
      "a key used twice",
      [
        file(
          "manifest.json",
          JSON.stringify({
            ...JSON.parse(fixtureManifest(["a.json"])),
            artifacts: [1, 2].map(() => ({ key: "a", type: "report", name: "A", file: "a.json" })),
          }),
        ),
        file("a.json", "{}"),
      ],
      /appears twice/,
    ],
    ["no manifest", [file("a.json", "{}")], /no manifest\.json/],
    ["a manifest that is not JSON", [file("manifest.json", "{ not json")], /^manifest\.json is invalid: .+/],
    [
      "another version of the package",
      [
        file("manifest.json", fixtureManifest(["a.json"]).replace('"1.0.0"', '"1.0.1"')),
        file("a.json", "{}"),
      ],
      /^the archive holds crafted-package@1\.0\.1, not crafted-package@1\.0\.0$/,
    ],
    [
      "another package's archive",
      [
        file("manifest.json", fixtureManifest(["a.json"]).replace(fixturePackage.id, "other")),
        file("a.json", "{}"),
      ],
      /not crafted-package@1\.0\.0/,
    ],
  ])("fails with InvalidPackage on %s", async (_, parts, message) => {
    const bytes = archiveOf(parts);
    const reading = await readApprovedPackage(bytes, await approvedFor(bytes), expected, limits);
    expect(reading).toMatchObject({
      failure: { error: "InvalidPackage", message: expect.stringMatching(message) },
    });
  });
});
