import { describe, expect, it } from "vitest";
import { approvalDifference, approvedFilesOf } from "./approved-files.ts";
import { sha256Hex } from "./signing.ts";

const files = new Map([
  ["b.json", Buffer.from("b")],
  ["a.json", Buffer.from("a")],
  ["B.json", Buffer.from("B")],
]);
const none = { unapproved: [], missing: [], changed: [], repeated: [] };

describe("approvedFilesOf", () => {
  it("sorts by UTF-16 code unit, whatever order the archive had", () => {
    expect(approvedFilesOf(files).map((f) => f.path)).toEqual(["B.json", "a.json", "b.json"]);
    expect(approvedFilesOf(new Map())).toEqual([]);
    const paths = Array.from({ length: 12 }, (_, i) => `f${String(i).padStart(2, "0")}`);
    const reversed = new Map(paths.toReversed().map((path) => [path, Buffer.from(path)]));
    expect(approvedFilesOf(reversed).map((f) => f.path)).toEqual(paths);
  });
});

describe("approvalDifference", () => {
  const approved = approvedFilesOf(files);

  it("is undefined for the same files in any order", () => {
    expect(approvalDifference(files, [...approved].reverse())).toBeUndefined();
  });

  it("names each kind of difference on its own", () => {
    expect(approvalDifference(new Map([...files, ["c.json", Buffer.from("c")]]), approved)).toEqual({
      ...none,
      unapproved: ["c.json"],
    });
    expect(approvalDifference(new Map([...files].slice(1)), approved)).toEqual({
      ...none,
      missing: ["b.json"],
    });
    expect(approvalDifference(new Map([...files, ["a.json", Buffer.from("A")]]), approved)).toEqual({
      ...none,
      changed: ["a.json"],
    });
    expect(
      approvalDifference(files, [...approved, { path: "a.json", sha256: sha256Hex(Buffer.from("a")) }]),
    ).toEqual({
      ...none,
      repeated: ["a.json"],
    });
  });
});
