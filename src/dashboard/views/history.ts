import type { Pause } from '../../domain/pause.js';
import { DECISION_CHANNELS, PAUSE_STATUSES, type PauseStatus, STATE_LABEL, stateOf } from '../../domain/vocabulary.js';
import { html, raw } from '../../web/html.js';
import { formatUtc } from '../../web/text.js';
import { type Chrome, layout } from './layout.js';
import { statusBadge } from './parts.js';

export interface HistoryFilters {
  status?: string;
  agent?: string;
  channel?: string;
  rule?: string;
  from?: string;
  to?: string;
  q?: string;
}

/** The status filter in the badges' words (its values are the API's): `responded` is what approved and rejected have in common. */
const statusLabel = (status: PauseStatus) =>
  status === 'responded' ? 'decided (approved or rejected)' : STATE_LABEL[stateOf(status)];

export function historyPage(
  chrome: Chrome,
  input: {
    items: Pause[];
    filters: HistoryFilters;
    nextCursor: string | null;
    nowMs: number;
    exportQuery: string;
    first: boolean;
  },
): string {
  const f = input.filters;
  const option = (value: string, label: string, selected: string | undefined) =>
    html`<option value="${value}"${selected === value ? raw(' selected') : ''}>${label}</option>`;
  const filters = html`<form class="card filters" method="get" action="/dashboard/history" role="search" aria-label="Filter history">
<div><label for="f-status">Status</label><select id="f-status" name="status">${option('', 'Any', f.status)}${PAUSE_STATUSES.map((s) => option(s, statusLabel(s), f.status))}</select></div>
<div><label for="f-channel">Decided via</label><select id="f-channel" name="channel">${option('', 'Any', f.channel)}${DECISION_CHANNELS.map((c) => option(c, c, f.channel))}</select></div>
<div><label for="f-agent">Agent</label><input type="text" id="f-agent" name="agent" maxlength="64" value="${f.agent ?? ''}"></div>
<div><label for="f-rule">Policy rule</label><input type="text" id="f-rule" name="rule" maxlength="128" value="${f.rule ?? ''}"></div>
<div><label for="f-from">From (UTC)</label><input type="date" id="f-from" name="from" value="${f.from ?? ''}"></div>
<div><label for="f-to">To (UTC)</label><input type="date" id="f-to" name="to" value="${f.to ?? ''}"></div>
<div><label for="f-q">Text</label><input type="search" id="f-q" name="q" maxlength="200" value="${f.q ?? ''}"></div>
<div class="buttons"><button type="submit">Filter</button><a class="button secondary" href="/dashboard/history">Clear</a></div></form>`;
  const rows = input.items.map((p) => {
    const ended = p.response?.responded_at ?? p.ended_at;
    return html`<tr><td class="title" data-label="Action"><a href="/dashboard/pauses/${p.pause_id}">${p.request.action_description.slice(0, 140)}</a></td>
<td data-label="Outcome">${statusBadge(p)}</td><td class="nw" data-label="Agent">${p.agent_id}</td><td data-label="Decided by">${p.response ? `${p.response.responder} (${p.response.channel})` : '—'}</td>
<td class="nw" data-label="Rule">${p.policy_rule ?? '—'}</td><td class="nw" data-label="Created">${formatUtc(p.created_at)}</td><td class="nw" data-label="Decided at">${ended ? formatUtc(ended) : '—'}</td></tr>`;
  });
  const table =
    rows.length > 0
      ? html`<div class="card list"><table class="stack"><caption class="muted">Newest first</caption><thead><tr><th scope="col">Action</th><th scope="col">Outcome</th><th scope="col">Agent</th><th scope="col">Decided by</th><th scope="col">Rule</th><th scope="col">Created</th><th scope="col">Decided at</th></tr></thead><tbody>${rows}</tbody></table></div>`
      : html`<div class="card empty"><strong>No requests match.</strong>Widen the filters, or <a href="/dashboard/history">clear them</a>. Requests appear here as agents ask.</div>`;
  const pager = html`<div class="pager">${input.first ? '' : html`<a href="/dashboard/history?${input.exportQuery}">Newest</a>`}${
    input.nextCursor
      ? html`<a href="/dashboard/history?${input.exportQuery}${input.exportQuery ? '&' : ''}cursor=${encodeURIComponent(input.nextCursor)}" rel="next">Older</a>`
      : ''
  }<span class="muted">Export these filters:</span><a href="/dashboard/history.csv?${input.exportQuery}">CSV</a><a href="/dashboard/history.jsonl?${input.exportQuery}">JSON Lines</a></div>`;
  const body = html`<h1>History</h1>${filters}<div id="live">${table}</div>${pager}`;
  return layout({ ...chrome, current: 'history', live: input.first ? 'list' : undefined }, 'History', body);
}
