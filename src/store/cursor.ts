import type { Pause } from '../domain/pause.js';

/** Opaque list cursors: newest-first order by (created_ms, pause_id). */
export interface CursorPosition {
  score: number;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.score}:${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): CursorPosition | undefined {
  if (cursor === undefined) return undefined;
  const [score, id] = Buffer.from(cursor, 'base64url').toString().split(':');
  const n = Number(score);
  if (!Number.isFinite(n) || !id) return undefined;
  return { score: n, id };
}

/** True when (score, id) comes after the cursor in newest-first order. */
export function isAfter(score: number, id: string, cursor: CursorPosition | undefined): boolean {
  if (!cursor) return true;
  return score < cursor.score || (score === cursor.score && id < cursor.id);
}

/** Positions of several indexes as one list: each id once, newest first. */
export function newestFirstUnion(lists: readonly (readonly CursorPosition[])[]): CursorPosition[] {
  const byId = new Map<string, CursorPosition>();
  for (const list of lists) for (const position of list) byId.set(position.id, position);
  return [...byId.values()].sort((a, b) => (isAfter(b.score, b.id, a) ? -1 : 1));
}

/**
 * One page from up to `limit + 1` pauses read newest first: the first `limit`, and a cursor past
 * the last of them when there was one more.
 */
export function pageOf(items: Pause[], limit: number): { items: Pause[]; next_cursor: string | null } {
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page,
    next_cursor:
      items.length > limit && last ? encodeCursor({ score: Date.parse(last.created_at), id: last.pause_id }) : null,
  };
}
