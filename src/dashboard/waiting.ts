import { ANY_ADMIN, decidersOf } from '../domain/approvals/index.js';
import type { Pause } from '../domain/pause.js';
import type { PauseStore } from '../store/ports/pauses.js';
import { decidersFor, mayDecideOnWeb, type Viewer } from './access.js';

/** Requests one Waiting page shows. */
export const WAITING_PAGE = 50;
/** Store reads one page may make when many of what it reads are not for this page (expired, a step not due). */
const MAX_READS = 10;

/**
 * Where a Waiting page starts: among the requests that name the viewer, or, for an admin, among
 * those any admin may decide; and the store's cursor within that list.
 */
export interface WaitingCursor {
  list: 'named' | 'open';
  store?: string;
}

export interface WaitingRead {
  /** `open`: the viewer may decide it as an admin, not because it names them. */
  items: { pause: Pause; open: boolean }[];
  next: WaitingCursor | null;
}

/**
 * One page of what this viewer may decide, read by whom each request waits on (the store's waiting
 * indexes), never by scanning what everyone else has pending: first the requests that name them
 * (approver, escalation approver once due, recipient), newest first; then, for an admin, those
 * without approvers, which any admin may decide. Each request once, by the rule of mayDecideOnWeb.
 */
export async function readWaiting(
  store: Pick<PauseStore, 'listWaiting'>,
  viewer: Viewer,
  nowMs: number,
  from: WaitingCursor = { list: 'named' },
  limit = WAITING_PAGE,
): Promise<WaitingRead> {
  const own = decidersFor({ ...viewer, admin: false });
  const items: WaitingRead['items'] = [];
  let at: WaitingCursor | null = from.list === 'open' && !viewer.admin ? null : from;
  for (let reads = 0; at && items.length < limit && reads < MAX_READS; reads++) {
    const open = at.list === 'open';
    const page = await store.listWaiting({
      deciders: open ? [ANY_ADMIN] : own,
      limit: limit - items.length,
      ...(at.store ? { cursor: at.store } : {}),
    });
    for (const pause of page.items) {
      if (!decidable(pause, viewer, nowMs)) continue;
      // Shown among the named ones already.
      if (open && decidersOf(pause).some((key) => own.includes(key))) continue;
      items.push({ pause, open });
    }
    if (page.next_cursor) at = { list: at.list, store: page.next_cursor };
    else at = !open && viewer.admin ? { list: 'open' } : null;
  }
  return { items, next: at };
}

function decidable(pause: Pause, viewer: Viewer, nowMs: number): boolean {
  return pause.status === 'pending' && Date.parse(pause.expires_at) > nowMs && mayDecideOnWeb(pause, viewer, nowMs);
}

/** The cursor as text, for sealing (CursorSeal), and back; undefined for text that is not one. */
export function waitingCursorText(cursor: WaitingCursor): string {
  return `${cursor.list === 'open' ? 'o' : 'n'}:${cursor.store ?? ''}`;
}

export function parseWaitingCursor(text: string): WaitingCursor | undefined {
  const match = /^([no]):(.*)$/s.exec(text);
  if (!match) return undefined;
  const list = match[1] === 'o' ? 'open' : 'named';
  return match[2] ? { list, store: match[2] } : { list };
}
