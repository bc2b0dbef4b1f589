/**
 * Opaque keyset cursors: base64url of the sort key of the last item on a
 * page. Stable under inserts, and O(limit) per page at any depth.
 */
import { base64UrlToBytes, bytesToBase64Url } from "../encoding";
import { AppError } from "../problem";

export function encodeCursor(at: string, id: string): string {
  return bytesToBase64Url(new TextEncoder().encode(JSON.stringify([at, id])));
}

export function decodeCursor(cursor: string | undefined): { at: string; id: string } | null {
  if (cursor === undefined || cursor === "") return null;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(base64UrlToBytes(cursor)));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === "string" && typeof parsed[1] === "string")
      return { at: parsed[0], id: parsed[1] };
  } catch {
    // fall through
  }
  throw new AppError(400, "invalid_cursor", "The cursor is not one this API issued; start again without it.");
}

/**
 * One page from `limit + 1` rows fetched in sort order: the first `limit`,
 * presented, and a cursor after the last of them if there was one more row.
 */
export function pageOf<Row extends { id: string }, Item>(
  rows: Row[],
  limit: number,
  sortKey: (row: Row) => string,
  present: (row: Row) => Item,
): { items: Item[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next = rows.length > limit && last ? encodeCursor(sortKey(last), last.id) : null;
  return { items: page.map(present), next_cursor: next };
}
