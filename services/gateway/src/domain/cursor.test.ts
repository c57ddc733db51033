import { describe, expect, it } from "vitest";
import { cursorPattern, decodeCursor, encodeCursor } from "./cursor.ts";

describe("cursors", () => {
  it("round-trips a position, and every encoded cursor matches the published pattern", () => {
    for (const cursor of [
      { sortValue: "2026-05-25T10:30:00.000Z", id: "mkt-install-b7c8d9" },
      { sortValue: "", id: "acme-invoice-workflows" },
    ]) {
      const text = encodeCursor(cursor);
      expect(text).toMatch(cursorPattern);
      expect(decodeCursor(text)).toEqual(cursor);
    }
  });

  it("reads no cursor and an empty one as the first page", () => {
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor("")).toBeUndefined();
  });

  it("accepts any text of the pattern's form, and refuses the rest with 400", () => {
    expect(decodeCursor("anything at all|x")).toEqual({ sortValue: "anything at all", id: "x" });
    for (const text of ["no-separator", "a|b|c", "a|"]) {
      expect(cursorPattern.test(text)).toBe(false);
      expect(() => decodeCursor(text)).toThrow(expect.objectContaining({ code: "ValidationFailed" }));
    }
  });
});
