import type { Pause } from '../../domain/pause.js';
import type { ToolCallView } from '../../domain/tool-call-view.js';
import { JWKS_PATH } from '../../receipts/jwks-route.js';
import { html, type Safe } from '../../web/html.js';
import { formatRelative, formatUtc } from '../../web/text.js';
import { type Chrome, type Flash, layout, notice } from './layout.js';
import {
  channelWords,
  type DecideForm,
  decideForm,
  detailsTable,
  progressText,
  statusBadge,
  toolCallPanel,
} from './parts.js';

/** One audit entry as the timeline reads it: when (UTC), what happened and who did it, in words. */
export interface TimelineEntry {
  /** ISO time, for the `<time>` element. */
  at: string;
  /** `12:01:03`. */
  time: string;
  /** `2026-12-02`, on the first entry and where the day changes. */
  day?: string;
  /** `created by key:ci-bot`, `approved by ops@acme.com via e-mail`. */
  what: string;
  /** A comment, a reason, an error, where to. */
  detail?: string;
  /** The entry as the audit log holds it, for the raw toggle. */
  raw: unknown;
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
    /** Where the receipt's public keys are published (`PUBLIC_URL/.well-known/jwks.json`); the path alone when not given. */
    jwksUrl?: string;
    /** A tool-call pause: the whole call (nothing cut), shown in place of the agent's details. */
    toolCall?: ToolCallView;
    /** Who is away and who decides for them (plain text, escaped here). */
    away?: string[];
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
        : html`<p class="meta">Times in UTC.</p><ol class="timeline">${input.timeline.map(
            (e) =>
              html`<li><time datetime="${e.at}">${e.day ? html`<span class="day">${e.day}</span> ` : ''}${e.time}</time> · <span class="what">${e.what}</span>${
                e.detail ? html` <span class="detail">— ${e.detail}</span>` : ''
              }</li>`,
          )}</ol><details class="raw"><summary>Raw audit entries (JSON)</summary><pre tabindex="0">${JSON.stringify(
            input.timeline.map((e) => e.raw),
            null,
            2,
          )}</pre></details>`;
  const ended = pause.response?.responded_at ?? pause.ended_at;
  const body = html`<p><a href="/dashboard/history">← History</a></p>
${notice(input.flash)}
<div id="live"><section class="card"><h1>${r.action_description}</h1>
<p>${statusBadge(pause)}${progress ? html` <span class="progress">${progress}</span>` : ''}</p>
${(input.away ?? []).map((line) => html`<p class="notice away" role="note">${line}</p>`)}
${input.toolCall ? toolCallPanel(input.toolCall) : detailsTable(pause)}
<table class="details kv about"><caption>The request</caption><tbody>
<tr><th scope="row">Pause</th><td><code>${pause.pause_id}</code></td></tr>
<tr><th scope="row">Agent</th><td>${pause.agent_id}</td></tr>
<tr><th scope="row">Created</th><td>${formatUtc(pause.created_at)}</td></tr>
${
  pause.status === 'pending'
    ? html`<tr><th scope="row">Expires</th><td>${formatUtc(pause.expires_at)} (${formatRelative(pause.expires_at, input.nowMs)})</td></tr>`
    : html`${ended ? html`<tr><th scope="row">${pause.status === 'responded' ? 'Decided' : 'Ended'}</th><td>${formatUtc(ended)}</td></tr>` : ''}<tr><th scope="row">Deadline was</th><td>${formatUtc(pause.expires_at)}</td></tr>`
}
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
          html`<li>${v.decision} by ${v.responder} via ${channelWords(v.channel)} at ${formatUtc(v.responded_at)}${v.comment ? html` — “${v.comment}”` : ''}</li>`,
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
    ? html`<section class="card"><h2>Signed response</h2><p class="meta">What the agent received: ${pause.response.decision} by ${pause.response.responder} via ${channelWords(pause.response.channel)}, signed (<code>${pause.response.signature.slice(0, 19)}…</code>); verify it with the signing secret (see the README).</p>${receiptPart(pause.response.receipt, input.jwksUrl ?? JWKS_PATH)}<details class="raw"><summary>The signed decision (JSON)</summary><pre tabindex="0">${JSON.stringify(pause.response, null, 2)}</pre></details></section>`
    : ''
}
<section class="card"><h2>Audit timeline</h2>${timeline}</section></div>`;
  return layout({ ...chrome, live: `pause:${pause.pause_id}` }, 'Request', body);
}

/**
 * The decision's Ed25519 receipt, for whoever must check it without the signing secret: the token
 * in a block to copy, and the offline `looppause verify` line that checks it against the public keys.
 * A decision stored before receipts existed has none, and the page says so.
 */
function receiptPart(receipt: string | undefined, jwksUrl: string): Safe {
  if (receipt === undefined)
    return html`<p class="muted">No receipt: this decision was signed before the service issued receipts.</p>`;
  return html`<h3>Receipt</h3><p>An Ed25519 receipt (a compact JWS): anyone can verify it offline against the public keys at <a href="${jwksUrl}"><code>${jwksUrl}</code></a>, without the signing secret.</p><pre class="receipt" tabindex="0"><code id="receipt">${receipt}</code></pre><p>Verify it:</p><pre class="receipt" tabindex="0"><code id="receipt-verify">looppause verify --receipt ${receipt} --jwks ${jwksUrl}</code></pre>`;
}
