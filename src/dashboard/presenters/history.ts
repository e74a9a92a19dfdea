import type { Pause } from '../../domain/pause.js';
import type { PauseStore } from '../../store/ports/pauses.js';
import type { Viewer } from '../access.js';
import type { CursorSeal } from '../cursor-seal.js';
import {
  type HistoryParams,
  historyCsvHeader,
  historyCsvRow,
  historyJsonLine,
  parseHistoryQuery,
  readHistory,
} from '../history.js';
import type { HistoryFilters } from '../views/history.js';

/** Store reads one export may make (each up to a history page's scan). */
const EXPORT_MAX_ROUNDS = 200;
/** For a viewer who is not an admin each read may scan many pauses to find theirs. */
const EXPORT_MAX_ROUNDS_OTHERS = 10;
const EXPORT_MAX = 100_000;

type HistoryDeps = { store: Pick<PauseStore, 'listAllPauses'>; cursors: CursorSeal; now: () => number };

export interface HistoryView {
  items: Pause[];
  filters: HistoryFilters;
  /** The sealed cursor of the next (older) page, when there is more. */
  nextCursor: string | null;
  nowMs: number;
  /** The filters as a query string, for the pager and the export links. */
  exportQuery: string;
  first: boolean;
}

/** The filters, the cursor opened back into the store's own (sealed: it may stop at a pause the viewer may not see). */
export function historyParams(
  cursors: CursorSeal,
  query: Record<string, unknown>,
): { ok: true; params: HistoryParams } | { ok: false; error: string } {
  const parsed = parseHistoryQuery(query);
  if (!parsed.ok) return parsed;
  const sealed = parsed.params.query.cursor;
  if (sealed === undefined) return parsed;
  const cursor = cursors.open('history', sealed);
  if (cursor === undefined) return { ok: false, error: 'cursor: not a cursor from this page' };
  return { ok: true, params: { ...parsed.params, query: { ...parsed.params.query, cursor } } };
}

/** One History page of what this viewer may see, 50 a page. */
export async function presentHistory(deps: HistoryDeps, params: HistoryParams, viewer: Viewer): Promise<HistoryView> {
  const page = await readHistory(deps.store, params, viewer, deps.now(), 50);
  return {
    items: page.items,
    filters: params.filters,
    nextCursor: page.next_cursor === null ? null : deps.cursors.seal('history', page.next_cursor),
    nowMs: deps.now(),
    exportQuery: params.filterQuery,
    first: params.query.cursor === undefined,
  };
}

/**
 * The export of these filters as CSV or JSON Lines, a chunk per store read (the CSV header first).
 * Bounded by what is read, not only by what is written: a viewer who may see little cannot make
 * one export walk all history. The caller writes each chunk, waiting for the socket, and stops
 * reading (returns from the loop) when the client has gone.
 */
export async function* historyExport(
  deps: HistoryDeps,
  params: HistoryParams,
  viewer: Viewer,
  kind: 'csv' | 'jsonl',
): AsyncGenerator<string> {
  if (kind === 'csv') yield historyCsvHeader();
  let cursor = params.query.cursor;
  let written = 0;
  let rounds = 0;
  do {
    const batch = await readHistory(
      deps.store,
      { ...params, query: { ...params.query, ...(cursor ? { cursor } : {}) } },
      viewer,
      deps.now(),
      500,
    );
    yield batch.items.map((pause) => (kind === 'csv' ? historyCsvRow(pause) : historyJsonLine(pause))).join('');
    written += batch.items.length;
    cursor = batch.next_cursor ?? undefined;
    rounds += 1;
  } while (cursor && written < EXPORT_MAX && rounds < (viewer.admin ? EXPORT_MAX_ROUNDS : EXPORT_MAX_ROUNDS_OTHERS));
}
