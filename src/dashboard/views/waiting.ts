import type { Pause } from '../../domain/pause.js';
import { html } from '../../web/html.js';
import { formatRelative, formatUtc } from '../../web/text.js';
import { type Chrome, type Flash, layout, notice } from './layout.js';
import { decideForm, detailsTable, progressText } from './parts.js';

export interface WaitingItem {
  pause: Pause;
  /** Why this viewer cannot vote (already voted, owner): shown instead of the form. */
  standing?: string;
  /** The viewer may decide it as an admin, not because it names them. */
  open?: boolean;
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
  const cards = input.items.map(({ pause, standing }, i) => {
    const progress = progressText(pause);
    return html`${i === firstOpen ? html`<h2 class="section">Any admin may decide these</h2>` : ''}<section class="card" aria-labelledby="h-${pause.pause_id}">
<h2 id="h-${pause.pause_id}"><a href="/dashboard/pauses/${pause.pause_id}">${pause.request.action_description}</a></h2>
${detailsTable(pause)}
<p class="meta">Requested by <strong>${pause.agent_id}</strong>${pause.policy_rule === undefined ? '' : html` · rule <strong>${pause.policy_rule}</strong>`} · expires ${formatRelative(pause.expires_at, input.nowMs)} (${formatUtc(pause.expires_at)})</p>
${progress ? html`<p class="meta progress">${progress}</p>` : ''}
${standing ? html`<p class="notice">${standing}</p>` : decideForm(pause, { csrf: input.csrf }, 'waiting')}
</section>`;
  });
  const empty = html`<div class="card empty"><strong>Nothing is waiting for you.</strong>
New requests you may decide appear here by themselves. Past decisions are in <a href="/dashboard/history">History</a>.</div>`;
  const body = html`<h1>Waiting for me</h1>
${notice(input.flash)}
<div id="live" aria-live="polite">${cards.length > 0 || !input.first ? cards : empty}
<div class="pager">${input.first ? '' : html`<a href="/dashboard/waiting">Newest</a>`}${
    input.nextCursor
      ? html`<a href="/dashboard/waiting?cursor=${encodeURIComponent(input.nextCursor)}" rel="next">More waiting for you</a>`
      : ''
  }</div></div>`;
  return layout({ ...chrome, current: 'waiting', live: 'list' }, 'Waiting for me', body);
}
