import { AppError } from "@installhub/shared";

/** Position after the last item of a page: its sort value and id (ties broken by id). */
export interface Cursor {
  sortValue: string;
  id: string;
}

/**
 * What a cursor looks like: `<sortValue>|<id>` (no `|` in either part), or empty for the first page.
 * Every string of this form is a position — one that names no item simply gives the items after it —
 * so this pattern, published in the OpenAPI document, says exactly which cursors the API accepts.
 * Callers should still treat cursors as opaque and pass back `nextCursor`.
 */
export const cursorPattern = /^(?:[^|]*\|[^|]+)?$/;

/** `nextCursor` for a page ending at `cursor`. */
export function encodeCursor(cursor: Cursor): string {
  return `${cursor.sortValue}|${cursor.id}`;
}

/**
 * The position a `cursor` query names; undefined for none or an empty one (the first page).
 * Throws AppError ValidationFailed (400) for text outside `cursorPattern`.
 */
export function decodeCursor(text: string | undefined): Cursor | undefined {
  if (text === undefined || text === "") return undefined;
  if (!cursorPattern.test(text)) {
    throw new AppError("ValidationFailed", "Invalid query: cursor: not a cursor this API returned", {
      fields: [{ field: "cursor", message: "not a cursor this API returned" }],
    });
  }
  const separator = text.lastIndexOf("|");
  return { sortValue: text.slice(0, separator), id: text.slice(separator + 1) };
}
