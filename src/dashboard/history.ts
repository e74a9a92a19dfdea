import type { Pause } from '../domain/pause.js';
import { toView } from '../domain/pause.js';
import { DECISION_CHANNELS, PAUSE_STATUSES, type PauseStatus, stateOf, wireStatus } from '../domain/vocabulary.js';
import type { HistoryQuery, Page, PauseStore } from '../store/ports/pauses.js';
import { maySee, type Viewer } from './access.js';
import type { HistoryFilters } from './views/history.js';

export interface HistoryParams {
  query: Omit<HistoryQuery, 'limit'>;
  filters: HistoryFilters;
  /** The filters again as a query string (no cursor), for links and exports. */
  filterQuery: string;
}

const DAY_MS = 86_400_000;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Store pages a non-admin's history reads to fill one page of what they may see. */
const MAX_SCANS = 20;

type Query = Record<string, unknown>;

/** The History filters from the query string; anything odd (a repeated key, a bad date) is a 400 naming it. */
export function parseHistoryQuery(query: Query): { ok: true; params: HistoryParams } | { ok: false; error: string } {
  const filters: HistoryFilters = {};
  const out: Omit<HistoryQuery, 'limit'> = {};
  const one = (name: string, max: number): string | undefined | Error => {
    const v = query[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') return new Error(`${name}: give it once, as text`);
    if (v.length > max) return new Error(`${name}: at most ${max} characters`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are refused, not shown
    if (/[\u0000-\u001f\u007f]/.test(v) || LONE_SURROGATE.test(v))
      return new Error(`${name}: has characters it may not`);
    return v;
  };
  const read = <K extends keyof HistoryFilters>(name: K, max: number): string | undefined => {
    const v = one(name, max);
    if (v instanceof Error) throw v;
    if (v !== undefined) filters[name] = v;
    return v;
  };
  try {
    const status = read('status', 20);
    if (status !== undefined) {
      if (!(PAUSE_STATUSES as readonly string[]).includes(status))
        throw new Error(`status: one of ${PAUSE_STATUSES.join(', ')}`);
      // The URL keeps the API's word (`expired` for cancelled), as links already made use it.
      out.status = stateOf(status as PauseStatus);
    }
    const channel = read('channel', 20);
    if (channel !== undefined) {
      if (!(DECISION_CHANNELS as readonly string[]).includes(channel))
        throw new Error(`channel: one of ${DECISION_CHANNELS.join(', ')}`);
      out.channel = channel as HistoryQuery['channel'];
    }
    const agent = read('agent', 64);
    if (agent !== undefined) out.agentId = agent;
    const rule = read('rule', 128);
    if (rule !== undefined) out.rule = rule;
    const from = read('from', 10);
    if (from !== undefined) out.fromMs = dayStart(from, 'from');
    const to = read('to', 10);
    if (to !== undefined) out.toMs = dayStart(to, 'to') + DAY_MS - 1;
    const q = read('q', 200);
    if (q !== undefined) out.text = q;
    const cursor = one('cursor', 200);
    if (cursor instanceof Error) throw cursor;
    if (cursor !== undefined) {
      if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('cursor: not a cursor from this page');
      out.cursor = cursor;
    }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : 'bad filter' };
  }
  const filterQuery = new URLSearchParams(Object.entries(filters) as [string, string][]).toString();
  return { ok: true, params: { query: out, filters, filterQuery } };
}

function dayStart(value: string, name: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`${name}: a date, YYYY-MM-DD`);
  return ms;
}

/**
 * One page of history as this viewer may see it: all of it for admins; for others, the pauses they
 * could decide or voted on, read from the store page by page (a page may come back short, with a cursor).
 */
export async function readHistory(
  store: Pick<PauseStore, 'listAllPauses'>,
  params: Pick<HistoryParams, 'query'>,
  viewer: Viewer,
  nowMs: number,
  limit: number,
): Promise<Page<Pause>> {
  if (viewer.admin) return store.listAllPauses({ ...params.query, limit });
  const items: Pause[] = [];
  let cursor = params.query.cursor;
  for (let scans = 0; scans < MAX_SCANS; scans++) {
    const page = await store.listAllPauses({ ...params.query, limit, ...(cursor ? { cursor } : {}) });
    items.push(...page.items.filter((pause) => maySee(pause, viewer, nowMs)));
    cursor = page.next_cursor ?? undefined;
    if (!cursor || items.length >= limit) break;
  }
  return { items, next_cursor: cursor ?? null };
}

const CSV_COLUMNS = [
  'pause_id',
  'created_at',
  'status',
  'decision',
  'agent_id',
  'action_description',
  'action_details',
  'responder',
  'channel',
  'responded_at',
  'comment',
  'policy_rule',
  'ended_at',
  'receipt',
] as const;

/**
 * One CSV cell: quoted, quotes doubled, and a cell a spreadsheet would read as a formula (starting
 * with = + - @, or a tab or carriage return) is prefixed with `'` (OWASP's CSV injection advice).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function historyCsvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function historyCsvRow(pause: Pause): string {
  const r = pause.response;
  const cells: Record<(typeof CSV_COLUMNS)[number], string> = {
    pause_id: pause.pause_id,
    created_at: pause.created_at,
    status: wireStatus(pause.status),
    decision: r?.decision ?? '',
    agent_id: pause.agent_id,
    action_description: pause.request.action_description,
    action_details: JSON.stringify(pause.request.action_details),
    responder: r?.responder ?? '',
    channel: r?.channel ?? '',
    responded_at: r?.responded_at ?? '',
    comment: r?.comment ?? '',
    policy_rule: pause.policy_rule ?? '',
    ended_at: pause.ended_at ?? '',
    receipt: r?.receipt ?? '',
  };
  return `${CSV_COLUMNS.map((c) => csvCell(cells[c])).join(',')}\r\n`;
}

/**
 * One pause as a JSON line: the pause view agents get (with the signed response as it was sent,
 * its receipt included), the request, and the votes by who cast them. Built from an allowlist: the
 * policy's timeout decision is stored unsigned and signed only when the deadline passes, and
 * neither it nor a pre-signed one that an earlier version stored ever leaves the store here.
 */
export function historyJsonLine(pause: Pause): string {
  const votes = (pause.votes ?? []).map(({ voters: _voters, ...vote }) => vote);
  const line = {
    ...toView(pause),
    request: pause.request,
    ...(pause.ended_at === undefined ? {} : { ended_at: pause.ended_at }),
    ...(votes.length === 0 ? {} : { votes }),
  };
  return `${JSON.stringify(line)}\n`;
}
