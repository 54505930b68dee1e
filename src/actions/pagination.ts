/**
 * Keyset pagination on (created_at, id): stable under concurrent inserts and index-only,
 * unlike OFFSET. The cursor is opaque to clients.
 */
import { ValidationError } from '../errors.js';

/** A decoded cursor: the last row of the previous page. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

/** A page of results and the cursor for the next one (null at the end). */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Encodes the position after `row`. */
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

/** Decodes a cursor from a query string, or throws a 400. */
export function decodeCursor(cursor: string): Cursor {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw new ValidationError('Invalid query.cursor: not a cursor returned by this API', [
      { path: 'query.cursor', message: 'not a cursor returned by this API' },
    ]);
  }
  return { createdAt, id };
}

/** Prisma `where` fragment for rows strictly after the cursor in descending order. */
export function afterCursorDescending(cursor: Cursor | undefined) {
  if (!cursor) return {};
  return {
    OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }],
  };
}

/** Prisma `where` fragment for rows strictly after the cursor in ascending order. */
export function afterCursorAscending(cursor: Cursor | undefined) {
  if (!cursor) return {};
  return {
    OR: [{ createdAt: { gt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { gt: cursor.id } }],
  };
}

/** Splits `limit + 1` fetched rows into a page. */
export function toPage<T extends { createdAt: Date; id: string }>(rows: T[], limit: number): Page<T> {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
