import type { Pause } from '../../domain/pause.js';
import { html } from '../../web/html.js';
import { formatRelative, formatUtc } from '../../web/text.js';
import { type Chrome, type Flash, layout, notice } from './layout.js';
import { type DecideForm, decideForm, detailsTable, progressText, statusBadge } from './parts.js';

export interface TimelineEntry {
  at: string;
  type: string;
  actor: string;
  data: unknown;
}

export function pausePage(
  chrome: Chrome,
  input: {
    pause: Pause;
    timeline: TimelineEntry[] | undefined;
    nowMs: number;
    form?: DecideForm;
    standing?: string;
    flash?: Flash;
  },
): string {
  const { pause } = input;
  const r = pause.request;
  const progress = progressText(pause);
  const votes = pause.votes ?? [];
  const timeline =
    input.timeline === undefined
      ? html`<p class="muted">The audit timeline is not available right now.</p>`
      : input.timeline.length === 0
        ? html`<p class="muted">No audit entries for this request yet.</p>`
        : html`<ol class="timeline">${input.timeline.map(
            (e) =>
              html`<li><strong>${e.type}</strong> · ${e.actor} · <time datetime="${e.at}">${formatUtc(e.at)}</time>${
                e.data && typeof e.data === 'object' && Object.keys(e.data).length > 0
                  ? html`<pre>${JSON.stringify(e.data, null, 2)}</pre>`
                  : ''
              }</li>`,
          )}</ol>`;
  const body = html`<p><a href="/dashboard/history">← History</a></p>
${notice(input.flash)}
<div id="live"><section class="card"><h1>${r.action_description}</h1>
<p>${statusBadge(pause)}${progress ? html` <span class="progress">${progress}</span>` : ''}</p>
${detailsTable(pause)}
<table class="details"><tbody>
<tr><th scope="row">Pause</th><td><code>${pause.pause_id}</code></td></tr>
<tr><th scope="row">Agent</th><td>${pause.agent_id}</td></tr>
<tr><th scope="row">Created</th><td>${formatUtc(pause.created_at)}</td></tr>
<tr><th scope="row">Expires</th><td>${formatUtc(pause.expires_at)} (${formatRelative(pause.expires_at, input.nowMs)})</td></tr>
${r.recipient_email ? html`<tr><th scope="row">E-mail</th><td>${r.recipient_email}</td></tr>` : ''}
${r.recipient_slack ? html`<tr><th scope="row">Slack</th><td>${r.recipient_slack}</td></tr>` : ''}
${r.approvers && r.approvers.length > 0 ? html`<tr><th scope="row">Approvers</th><td>${r.approvers.join(', ')}</td></tr>` : ''}
${pause.policy_rule !== undefined ? html`<tr><th scope="row">Policy rule</th><td>${pause.policy_rule}</td></tr>` : ''}
${pause.cancel_reason ? html`<tr><th scope="row">Cancel reason</th><td>${pause.cancel_reason}</td></tr>` : ''}
</tbody></table></section>
${
  votes.length > 0
    ? html`<section class="card"><h2>Votes</h2><ul>${votes.map(
        (v) =>
          html`<li>${v.decision} by ${v.responder} via ${v.channel} at ${formatUtc(v.responded_at)}${v.comment ? html` — “${v.comment}”` : ''}</li>`,
      )}</ul></section>`
    : ''
}
${
  pause.status === 'pending'
    ? html`<section class="card"><h2>Decide</h2>${
        input.standing
          ? html`<p class="notice">${input.standing}</p>`
          : input.form
            ? decideForm(pause, input.form)
            : html`<p class="muted">You are not among the people who may decide this request.</p>`
      }</section>`
    : ''
}
${
  pause.response
    ? html`<section class="card"><h2>Signed response</h2><p class="meta">What the agent received; verify it with the signing secret (see the README).</p><pre>${JSON.stringify(pause.response, null, 2)}</pre></section>`
    : ''
}
<section class="card"><h2>Audit timeline</h2>${timeline}</section></div>`;
  return layout({ ...chrome, live: `pause:${pause.pause_id}` }, 'Request', body);
}
