import { describe, expect, it } from "vitest";
import { emptyEntriesTar, tarOf } from "./tar-fixtures.ts";

describe("emptyEntriesTar", () => {
  it("gives the bytes tarOf gives for the same empty entries, end-of-archive marker included", () => {
    const count = 1234;
    const names = Array.from({ length: count }, (_, i) => `empty/${String(i).padStart(6, "0")}`);
    expect(emptyEntriesTar(count).equals(tarOf(names.map((name) => ({ header: { name } }))))).toBe(true);
  });
});
