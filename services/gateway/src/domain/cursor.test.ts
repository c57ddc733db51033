import { describe, expect, it } from "vitest";
import { cursorPattern, decodeCursor, encodeCursor } from "./cursor.ts";

describe("cursors", () => {
  it("round-trips a position, and every encoded cursor matches the published pattern", () => {
    for (const cursor of [
      { sortValue: "2026-05-25T10:30:00.000Z", id: "mkt-install-b7c8d9" },
      { sortValue: "", id: "acme-invoice-workflows" },
      { sortValue: "x", id: "y" },
    ]) {
      const text = encodeCursor(cursor);
      expect(text).toMatch(cursorPattern);
      expect(decodeCursor(text)).toEqual(cursor);
    }
    expect(encodeCursor({ sortValue: "2026", id: "abc" })).toBe("2026|abc");
  });

  it("reads no cursor and an empty one as the first page, which the pattern allows", () => {
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor("")).toBeUndefined();
    expect(cursorPattern.test("")).toBe(true);
  });

  it("accepts any text of the pattern's form, and refuses the rest with 400 naming the field", () => {
    expect(decodeCursor("anything at all|x")).toEqual({ sortValue: "anything at all", id: "x" });
    expect(decodeCursor("|longer-id")).toEqual({ sortValue: "", id: "longer-id" });
    for (const text of ["no-separator", "a|b|c", "a|", "|", "||b", "a||"]) {
      expect(cursorPattern.test(text), text).toBe(false);
      expect(() => decodeCursor(text)).toThrow(
        expect.objectContaining({
          code: "ValidationFailed",
          message: "Invalid query: cursor: not a cursor this API returned",
          details: { fields: [{ field: "cursor", message: "not a cursor this API returned" }] },
        }),
      );
    }
  });
});
