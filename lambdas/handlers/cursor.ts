import { validationFailed } from "../core/client-error";

/** A store's "where the page stopped" as the opaque `nextCursor` string clients pass back. */
export const encodeCursor = (cursor: object) => Buffer.from(JSON.stringify(cursor)).toString("base64url");

/** The store's cursor back from `cursor`, or a 422 naming `query.cursor` when it is not one this API gave out. */
export function decodeCursor<T>(text: string, isCursor: (value: unknown) => value is T): T {
  try {
    const cursor = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown;
    if (isCursor(cursor)) return cursor;
  } catch {
    // reported below, as any other text that is not a cursor
  }
  throw validationFailed([{ path: "query.cursor", message: "is not a cursor returned by this API" }]);
}
