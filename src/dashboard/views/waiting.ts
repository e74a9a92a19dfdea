import type { Pause } from '../../domain/pause.js';
import type { ToolCallView } from '../../domain/tool-call-view.js';
import { html } from '../../web/html.js';
import { formatRelative, formatUtc } from '../../web/text.js';
import { type Chrome, type Flash, layout, notice } from './layout.js';
import { decideForm, detailsTable, toolCallPanel } from './parts.js';

export interface WaitingItem {
  pause: Pause;
  /** Approvals so far and how many the request needs (`1 of 2`). */
  approvals: { received: number; required: number };
  /** Who may decide it now (escalation steps that came due included); absent: no approvers named. */
  approvers?: string[];
  /** Why this viewer cannot vote (already voted, owner): shown instead of the form. */
  standing?: string;
  /** The viewer may decide it as an admin, not because it names them. */
  open?: boolean;
  /** A tool-call pause: the call, shortened for the list (the request's page has it whole). */
  toolCall?: ToolCallView;
}

export function waitingPage(
  chrome: Chrome,
  input: {
    items: WaitingItem[];
    csrf: string;
    nowMs: number;
    flash?: Flash;
    /** The sealed cursor of the next page, when there is more. */
    nextCursor: string | null;
    first: boolean;
  },
): string {
  const firstOpen = input.items.findIndex((item) => item.open);
  const cards = input.items.map(({ pause, standing, approvals, approvers, toolCall }, i) => {
    const r = pause.request;
    const sentTo = [
      r.recipient_email ? html`${r.recipient_email} <span class="muted">(e-mail)</span>` : '',
      r.recipient_slack ? html`${r.recipient_slack} <span class="muted">(Slack)</span>` : '',
    ].filter((part) => part !== '');
    return html`${i === firstOpen ? html`<h2 class="section">Any admin may decide these</h2>` : ''}<section class="card" aria-labelledby="h-${pause.pause_id}">
<h2 id="h-${pause.pause_id}"><a href="/dashboard/pauses/${pause.pause_id}">${r.action_description}</a></h2>
<p class="deadline">Expires <strong>${formatRelative(pause.expires_at, input.nowMs)}</strong> · <time datetime="${pause.expires_at}">${formatUtc(pause.expires_at)}</time></p>
${
  toolCall
    ? toolCallPanel(
        toolCall,
        html`Shortened here: the full input is on <a href="/dashboard/pauses/${pause.pause_id}">the request’s page</a>.`,
      )
    : detailsTable(pause)
}
<dl class="facts">
<dt>Requested by</dt><dd><strong>${pause.agent_id}</strong>${pause.policy_rule === undefined ? '' : html` · rule <strong>${pause.policy_rule}</strong>`}</dd>
<dt>Sent to</dt><dd>${sentTo.length > 0 ? sentTo.map((part, n) => html`${n > 0 ? ' · ' : ''}${part}`) : '—'}</dd>
<dt>Approvers</dt><dd>${approvers ? approvers.join(', ') : html`<span class="muted">none named: its recipient or an admin decides</span>`}</dd>
<dt>Approvals</dt><dd class="progress">${approvals.received} of ${approvals.required}</dd>
</dl>
${standing ? html`<p class="notice">${standing}</p>` : decideForm(pause, { csrf: input.csrf }, 'waiting')}
</section>`;
  });
  const empty = html`<div class="card empty"><strong>Nothing is waiting for you.</strong>
New requests you may decide appear here by themselves. Past decisions are in <a href="/dashboard/history">History</a>.</div>`;
  const body = html`<h1>Waiting for me</h1>
${notice(input.flash)}${cards.length > 1 ? html`<p class="meta">Soonest deadline first.</p>` : ''}
<div id="live" aria-live="polite">${cards.length > 0 || !input.first ? cards : empty}
<div class="pager">${input.first ? '' : html`<a href="/dashboard/waiting">Newest</a>`}${
    input.nextCursor
      ? html`<a href="/dashboard/waiting?cursor=${encodeURIComponent(input.nextCursor)}" rel="next">More waiting for you</a>`
      : ''
  }</div></div>`;
  return layout({ ...chrome, current: 'waiting', live: 'list' }, 'Waiting for me', body);
}
