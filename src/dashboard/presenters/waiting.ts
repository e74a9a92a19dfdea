import { approvalsOf, currentApprovers } from '../../domain/approvals/index.js';
import type { Pause } from '../../domain/pause.js';
import { toolCallView } from '../../domain/tool-call-view.js';
import type { PauseStore } from '../../store/ports/pauses.js';
import type { Viewer } from '../access.js';
import type { CursorSeal } from '../cursor-seal.js';
import type { WaitingItem } from '../views/waiting.js';
import { parseWaitingCursor, readWaiting, waitingCursorText } from '../waiting.js';
import { standingOf } from './pause.js';

export interface WaitingView {
  items: WaitingItem[];
  nowMs: number;
  /** The sealed cursor of the next page, when there is more. */
  nextCursor: string | null;
  first: boolean;
}

/**
 * The page's requests, soonest deadline first: those that name the viewer, then those any admin
 * may decide (each list keeps its place; the store reads them newest first).
 */
export function bySoonestDeadline<T extends { pause: Pick<Pause, 'expires_at'>; open: boolean }>(items: T[]): T[] {
  const deadline = (item: T) => Date.parse(item.pause.expires_at);
  return [...items].sort((a, b) => Number(a.open) - Number(b.open) || deadline(a) - deadline(b));
}

/** Characters of a tool call's command, diff or JSON on the Waiting list (its page shows them all). */
const WAITING_TEXT_BUDGET = 1500;

/**
 * The Waiting for me page's read: one page of what this viewer may decide (from the sealed
 * `cursor` of the page before, if any), each with why they get no form, if they get none.
 */
export async function presentWaiting(
  deps: { store: Pick<PauseStore, 'listWaiting'>; cursors: CursorSeal; now: () => number },
  viewer: Viewer,
  sealed: unknown,
): Promise<{ ok: true; view: WaitingView } | { ok: false; error: string }> {
  const opened = typeof sealed === 'string' && sealed !== '' ? deps.cursors.open('waiting', sealed) : undefined;
  const from = opened === undefined ? undefined : parseWaitingCursor(opened);
  if (sealed !== undefined && sealed !== '' && !from)
    return { ok: false, error: 'cursor: not a cursor from this page' };
  const nowMs = deps.now();
  const read = await readWaiting(deps.store, viewer, nowMs, from);
  const items: WaitingItem[] = bySoonestDeadline(read.items).map(({ pause, open }) => {
    const standing = standingOf(pause, viewer);
    const approvers = currentApprovers(pause, nowMs);
    return {
      pause,
      approvals: { received: approvalsOf(pause.votes ?? []).length, required: pause.plan?.quorum ?? 1 },
      ...(approvers ? { approvers } : {}),
      ...(open ? { open } : {}),
      ...(standing ? { standing } : {}),
      ...(pause.tool_call
        ? { toolCall: toolCallView(pause.tool_call, pause.agent_id, { text: WAITING_TEXT_BUDGET }) }
        : {}),
    };
  });
  return {
    ok: true,
    view: {
      items,
      nowMs,
      nextCursor: read.next ? deps.cursors.seal('waiting', waitingCursorText(read.next)) : null,
      first: from === undefined,
    },
  };
}
