import { AppError } from "@installhub/shared";
import { z } from "zod";

/** Position after the last item of a page: its sort value and id (ties broken by id). */
export interface Cursor {
  sortValue: string;
  id: string;
}

const CursorShape = z.tuple([z.string(), z.string()]);

/** Opaque to callers: base64url JSON. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sortValue, cursor.id])).toString("base64url");
}

export function decodeCursor(text: string | undefined): Cursor | undefined {
  if (text === undefined) return undefined;
  try {
    const [sortValue, id] = CursorShape.parse(JSON.parse(Buffer.from(text, "base64url").toString("utf8")));
    return { sortValue, id };
  } catch {
    throw new AppError("ValidationFailed", "cursor: not a cursor this API returned", { field: "cursor" });
  }
}
