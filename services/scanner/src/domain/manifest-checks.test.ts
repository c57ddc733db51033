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

describe("reviewManifest: what each finding says", () => {
  it("gives the manifest it read, or none when it could not read one", () => {
    expect(reviewManifest(filesWith(manifest()), expected).manifest).toEqual(manifest());
    expect(reviewManifest(filesWith("{not json"), expected).manifest).toBeUndefined();
    expect(reviewManifest(filesWith(manifest({ id: "" })), expected).manifest).toBeUndefined();
    expect(reviewManifest(new Map(), expected)).toEqual({
      manifest: undefined,
      findings: [
        {
          ruleId: "manifest.missing",
          severity: "critical",
          file: "manifest.json",
          message: "the archive has no manifest.json",
        },
      ],
    });
  });

  it("says why a manifest is unreadable, on one line", () => {
    const [notJson] = reviewManifest(filesWith("{not json"), expected).findings;
    expect(notJson).toMatchObject({
      ruleId: "manifest.invalid",
      severity: "critical",
      file: "manifest.json",
    });
    expect(notJson?.message).toMatch(/^manifest\.json is not JSON: /);
    const [invalid] = reviewManifest(
      filesWith(manifest({ postInstall: "x", publisher: "" })),
      expected,
    ).findings;
    expect(invalid?.message).toMatch(/^manifest\.json is invalid: /);
    expect(invalid?.message).not.toContain("\n");
    expect(invalid?.message).toContain("; ");
  });

  it("reads the manifest as UTF-8", () => {
    const review = reviewManifest(filesWith(manifest({ name: "Caf\u00e9" })), expected);
    expect(review.manifest?.name).toBe("Caf\u00e9");
  });

  it("names the id and the version it found and the ones requested", () => {
    expect(reviewManifest(filesWith(manifest({ id: "other" })), expected).findings).toEqual([
      {
        ruleId: "manifest.mismatch",
        severity: "critical",
        file: "manifest.json",
        message: "manifest id other is not the requested package pkg",
      },
    ]);
    expect(reviewManifest(filesWith(manifest({ version: "9.9.9" })), expected).findings).toEqual([
      {
        ruleId: "manifest.mismatch",
        severity: "critical",
        file: "manifest.json",
        message: "manifest version 9.9.9 is not the requested 1.0.0",
      },
    ]);
  });

  it("names each repeated key once, and each missing and unlisted file", () => {
    const review = reviewManifest(
      filesWith(
        manifest({
          artifacts: [
            artifact("a", "artifacts/a.json"),
            artifact("b", "artifacts/b.json"),
            artifact("a", "artifacts/c.json"),
            artifact("b", "artifacts/a.json"),
          ],
        }),
        ["artifacts/a.json", "artifacts/b.json", "x/y.json"],
      ),
      expected,
    );
    expect(review.findings).toEqual([
      {
        ruleId: "artifact.duplicate-key",
        severity: "critical",
        file: "manifest.json",
        message: "artifact key a is listed more than once",
      },
      {
        ruleId: "artifact.duplicate-key",
        severity: "critical",
        file: "manifest.json",
        message: "artifact key b is listed more than once",
      },
      {
        ruleId: "artifact.missing",
        severity: "critical",
        file: "artifacts/c.json",
        message: "artifact a is listed but not in the archive",
      },
      {
        ruleId: "artifact.unlisted",
        severity: "critical",
        file: "x/y.json",
        message: "file is in the archive but not in manifest.json",
      },
    ]);
  });
});
