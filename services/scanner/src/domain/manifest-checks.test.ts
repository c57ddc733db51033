import { describe, expect, it } from "vitest";
import { reviewManifest } from "./manifest-checks.ts";

const expected = { packageId: "pkg", version: "1.0.0" };
const artifact = (key: string, file: string) => ({ key, type: "template", name: key, file });
const manifest = (overrides: Record<string, unknown> = {}) => ({
  id: "pkg",
  name: "Package",
  version: "1.0.0",
  publisher: "pub",
  artifacts: [artifact("a", "artifacts/a.json"), artifact("b", "artifacts/b.json")],
  ...overrides,
});
const filesWith = (manifestValue: unknown, paths = ["artifacts/a.json", "artifacts/b.json"]) =>
  new Map<string, Buffer>([
    [
      "manifest.json",
      Buffer.from(typeof manifestValue === "string" ? manifestValue : JSON.stringify(manifestValue)),
    ],
    ...paths.map((path): [string, Buffer] => [path, Buffer.from("{}")]),
  ]);
const ruleIds = (review: ReturnType<typeof reviewManifest>) => review.findings.map((f) => [f.ruleId, f.file]);

describe("reviewManifest", () => {
  it("accepts a manifest that matches the request and the archive", () => {
    const review = reviewManifest(filesWith(manifest()), expected);
    expect(review.findings).toEqual([]);
    expect(review.manifest?.artifacts.map((a) => a.key)).toEqual(["a", "b"]);
  });

  it("accepts ./-prefixed artifact paths", () => {
    const review = reviewManifest(
      filesWith(
        manifest({ artifacts: [artifact("a", "./artifacts/a.json"), artifact("b", "artifacts/b.json")] }),
      ),
      expected,
    );
    expect(review.findings).toEqual([]);
  });

  it("reports a missing manifest", () => {
    const files = new Map([["artifacts/a.json", Buffer.from("{}")]]);
    expect(ruleIds(reviewManifest(files, expected))).toEqual([["manifest.missing", "manifest.json"]]);
  });

  it("reports a manifest that is not JSON or breaks the schema", () => {
    expect(ruleIds(reviewManifest(filesWith("{not json"), expected))).toEqual([
      ["manifest.invalid", "manifest.json"],
    ]);
    const unknownField = reviewManifest(filesWith(manifest({ postInstall: "rm -rf /" })), expected);
    expect(ruleIds(unknownField)).toEqual([["manifest.invalid", "manifest.json"]]);
    expect(unknownField.findings[0]?.message).toContain("postInstall");
    const badKey = reviewManifest(
      filesWith(manifest({ artifacts: [artifact("Bad Key", "artifacts/a.json")] })),
      expected,
    );
    expect(ruleIds(badKey)).toEqual([["manifest.invalid", "manifest.json"]]);
  });

  it("reports a manifest for another package or version", () => {
    const review = reviewManifest(filesWith(manifest({ id: "other", version: "9.9.9" })), expected);
    expect(ruleIds(review)).toEqual([
      ["manifest.mismatch", "manifest.json"],
      ["manifest.mismatch", "manifest.json"],
    ]);
    expect(review.findings.map((f) => f.message).join(" ")).toMatch(/other.*9\.9\.9/);
  });

  it("reports duplicate artifact keys once per key", () => {
    const review = reviewManifest(
      filesWith(
        manifest({
          artifacts: [
            artifact("a", "artifacts/a.json"),
            artifact("a", "artifacts/b.json"),
            artifact("a", "artifacts/a.json"),
          ],
        }),
      ),
      expected,
    );
    expect(ruleIds(review)).toEqual([["artifact.duplicate-key", "manifest.json"]]);
  });

  it("reports listed artifacts that are absent and files that are unlisted, by file", () => {
    const review = reviewManifest(
      filesWith(manifest(), ["artifacts/a.json", "artifacts/extra.sh"]),
      expected,
    );
    expect(ruleIds(review)).toEqual([
      ["artifact.missing", "artifacts/b.json"],
      ["artifact.unlisted", "artifacts/extra.sh"],
    ]);
  });
});
