import { approvalsOf } from '../domain/approvals/index.js';
import type { Pause } from '../domain/pause.js';
import type { PolicyOutcome } from '../domain/policy/index.js';
import { DECISION_CHANNELS, PAUSE_STATUSES } from '../domain/vocabulary.js';
import type { StoredApiKey } from '../store/ports/api-keys.js';
import { MAX_TEXT } from '../web/decide-form.js';
import { html, raw, type Safe } from '../web/html.js';
import { formatRelative, formatUtc } from '../web/text.js';
import type { Viewer } from './access.js';
import { STYLE } from './style.js';

/** The dashboard's pages. Pure: every value that is not markup built here is escaped by `html`. */

export type Section = 'waiting' | 'history' | 'keys' | 'policy' | 'webhooks';

export interface Chrome {
  nonce: string;
  viewer?: Viewer;
  /** The session's CSRF token, for the sign-out form. */
  csrf?: string;
  current?: Section;
  /** What the live script refreshes on a change: the page's `#live` region. */
  live?: 'list' | `pause:${string}`;
}

export function layout(chrome: Chrome, title: string, body: Safe): string {
  const { viewer, current } = chrome;
  const link = (section: Section, label: string) =>
    html`<li><a href="/dashboard/${section}"${current === section ? raw(' aria-current="page"') : ''}>${label}</a></li>`;
  const nav = viewer
    ? html`<nav aria-label="Dashboard"><ul>${link('waiting', 'Waiting for me')}${link('history', 'History')}${
        viewer.admin ? [link('keys', 'API keys'), link('policy', 'Policy'), link('webhooks', 'Webhooks')] : ''
      }</ul></nav>
      <div class="who"><span>${viewer.email}${viewer.admin ? ' · admin' : ''}</span>
      <form method="post" action="/dashboard/signout"><input type="hidden" name="csrf" value="${chrome.csrf ?? ''}"><button type="submit">Sign out</button></form></div>`
    : '';
  const script = viewer ? html`<script nonce="${chrome.nonce}" src="/dashboard/app.js" defer></script>` : '';
  return `<!DOCTYPE html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin"><meta name="robots" content="noindex,nofollow">
<title>${title} · LoopPause</title><style nonce="${chrome.nonce}">${raw(STYLE)}</style>${script}</head>
<body${chrome.live ? html` data-live="${chrome.live}"` : ''}><a class="skip" href="#content">Skip to content</a>
<header class="top"><div class="bar"><a class="brand" href="/dashboard">LoopPause</a>${nav}</div></header>
<main id="content">${body}</main></body></html>`}`;
}

// Sign-in

export function signInPage(chrome: Chrome, formToken: string, notice?: { kind: 'ok' | 'error'; text: string }): string {
  const body = html`<div class="card narrow"><h1>Sign in to LoopPause</h1>
${notice ? html`<p class="notice ${notice.kind}" role="status">${notice.text}</p>` : ''}
<p class="muted">No password: we e-mail you a link that signs you in once, for 15 minutes. Or type <code>/looppause login</code> in Slack.</p>
<form method="post" action="/dashboard/signin"><input type="hidden" name="csrf" value="${formToken}">
<label for="email">Work e-mail</label><input type="email" id="email" name="email" autocomplete="email" required maxlength="254">
<div class="buttons"><button type="submit">E-mail me a sign-in link</button></div></form></div>`;
  return layout(chrome, 'Sign in', body);
}

export function linkConfirmPage(chrome: Chrome, formKey: string): string {
  const body = html`<div class="card narrow"><h1>Sign in to LoopPause</h1>
<p>This link signs you in once. Press the button to continue.</p>
<form method="post"><input type="hidden" name="form_key" value="${formKey}">
<div class="buttons"><button type="submit">Sign in</button></div></form>
<p class="meta">Links expire 15 minutes after they are sent.</p></div>`;
  return layout(chrome, 'Sign in', body);
}

export function messagePage(
  chrome: Chrome,
  title: string,
  line: string,
  next?: { href: string; label: string },
): string {
  const body = html`<div class="card narrow"><h1>${title}</h1><p>${line}</p>${
    next ? html`<p><a href="${next.href}">${next.label}</a></p>` : ''
  }</div>`;
  return layout(chrome, title, body);
}

// Pauses

function statusBadge(pause: Pause): Safe {
  if (pause.status === 'responded' && pause.response) {
    const d = pause.response.decision;
    return html`<span class="badge ${d}">${d}</span>`;
  }
  const label = pause.status === 'expired' ? 'cancelled' : pause.status.replace('_', ' ');
  return html`<span class="badge ${pause.status}">${label}</span>`;
}

function progressText(pause: Pause): string | undefined {
  const required = pause.plan?.quorum ?? 1;
  if (required <= 1) return undefined;
  const received = approvalsOf(pause.votes ?? []).length;
  return `${received} of ${required} approvals`;
}

function detailsTable(pause: Pause): Safe {
  const rows = Object.entries(pause.request.action_details);
  if (rows.length === 0) return html``;
  return html`<table class="details"><tbody>${rows.map(
    ([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`,
  )}</tbody></table>`;
}

export interface DecideForm {
  csrf: string;
  values?: { comment: string; fields: Record<string, string> };
  errors?: string[];
}

function decideForm(pause: Pause, form: DecideForm, back: 'waiting' | 'pause' = 'pause'): Safe {
  const fields = pause.request.response_fields ?? [];
  const id = (name: string) => `${pause.pause_id}-${name}`;
  return html`<form method="post" action="/dashboard/pauses/${pause.pause_id}/decide" autocomplete="off">
<input type="hidden" name="csrf" value="${form.csrf}"><input type="hidden" name="back" value="${back}">
${form.errors && form.errors.length > 0 ? html`<div class="notice error" role="alert"><ul>${form.errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
${fields.map(
  (f) => html`<label for="${id(`field_${f.name}`)}">${f.label}${f.required ? ' (required to approve)' : ''}</label>
<input type="text" id="${id(`field_${f.name}`)}" name="field_${f.name}" maxlength="${MAX_TEXT}" value="${form.values?.fields[f.name] ?? ''}">`,
)}
<label for="${id('comment')}">Comment <span class="muted">(optional; the agent sees it)</span></label>
<textarea id="${id('comment')}" name="comment" maxlength="${MAX_TEXT}">${form.values?.comment ?? ''}</textarea>
<div class="buttons"><button type="submit" name="decision" value="approved" class="approve">Approve</button>
<button type="submit" name="decision" value="rejected" class="reject">Reject</button></div></form>`;
}

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
    flash?: { kind: 'ok' | 'error'; text: string };
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
${input.flash ? html`<p class="notice ${input.flash.kind}" role="status">${input.flash.text}</p>` : ''}
<div id="live" aria-live="polite">${cards.length > 0 || !input.first ? cards : empty}
<div class="pager">${input.first ? '' : html`<a href="/dashboard/waiting">Newest</a>`}${
    input.nextCursor
      ? html`<a href="/dashboard/waiting?cursor=${encodeURIComponent(input.nextCursor)}" rel="next">More waiting for you</a>`
      : ''
  }</div></div>`;
  return layout({ ...chrome, current: 'waiting', live: 'list' }, 'Waiting for me', body);
}

export interface HistoryFilters {
  status?: string;
  agent?: string;
  channel?: string;
  rule?: string;
  from?: string;
  to?: string;
  q?: string;
}

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
<div><label for="f-status">Status</label><select id="f-status" name="status">${option('', 'Any', f.status)}${PAUSE_STATUSES.map((s) => option(s, s === 'expired' ? 'cancelled' : s.replace('_', ' '), f.status))}</select></div>
<div><label for="f-channel">Decided via</label><select id="f-channel" name="channel">${option('', 'Any', f.channel)}${DECISION_CHANNELS.map((c) => option(c, c, f.channel))}</select></div>
<div><label for="f-agent">Agent</label><input type="text" id="f-agent" name="agent" maxlength="64" value="${f.agent ?? ''}"></div>
<div><label for="f-rule">Policy rule</label><input type="text" id="f-rule" name="rule" maxlength="128" value="${f.rule ?? ''}"></div>
<div><label for="f-from">From (UTC)</label><input type="date" id="f-from" name="from" value="${f.from ?? ''}"></div>
<div><label for="f-to">To (UTC)</label><input type="date" id="f-to" name="to" value="${f.to ?? ''}"></div>
<div><label for="f-q">Text</label><input type="search" id="f-q" name="q" maxlength="200" value="${f.q ?? ''}"></div>
<div class="buttons"><button type="submit">Filter</button><a class="button quiet" href="/dashboard/history">Clear</a></div></form>`;
  const rows = input.items.map(
    (p) => html`<tr><td><a href="/dashboard/pauses/${p.pause_id}">${p.request.action_description.slice(0, 140)}</a></td>
<td>${statusBadge(p)}</td><td>${p.agent_id}</td><td>${p.response ? `${p.response.responder} (${p.response.channel})` : '—'}</td>
<td>${p.policy_rule ?? '—'}</td><td>${formatUtc(p.created_at)}</td></tr>`,
  );
  const table =
    rows.length > 0
      ? html`<div class="card scroll"><table><caption class="muted">Newest first</caption><thead><tr><th scope="col">Action</th><th scope="col">Outcome</th><th scope="col">Agent</th><th scope="col">Decided by</th><th scope="col">Rule</th><th scope="col">Created</th></tr></thead><tbody>${rows}</tbody></table></div>`
      : html`<div class="card empty"><strong>No requests match.</strong>Widen the filters, or <a href="/dashboard/history">clear them</a>. Requests appear here as agents ask.</div>`;
  const pager = html`<div class="pager">${input.first ? '' : html`<a href="/dashboard/history?${input.exportQuery}">Newest</a>`}${
    input.nextCursor
      ? html`<a href="/dashboard/history?${input.exportQuery}${input.exportQuery ? '&' : ''}cursor=${encodeURIComponent(input.nextCursor)}" rel="next">Older</a>`
      : ''
  }<span class="muted">Export these filters:</span><a href="/dashboard/history.csv?${input.exportQuery}">CSV</a><a href="/dashboard/history.jsonl?${input.exportQuery}">JSON Lines</a></div>`;
  const body = html`<h1>History</h1>${filters}<div id="live">${table}</div>${pager}`;
  return layout({ ...chrome, current: 'history', live: input.first ? 'list' : undefined }, 'History', body);
}

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
    flash?: { kind: 'ok' | 'error'; text: string };
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
${input.flash ? html`<p class="notice ${input.flash.kind}" role="status">${input.flash.text}</p>` : ''}
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

// Admin

export interface KeyRow {
  name: string;
  created_at?: string;
  owner?: string;
  admin: boolean;
  /** From LOOPPAUSE_API_KEYS: not revocable here. */
  configured: boolean;
}

export function keysPage(
  chrome: Chrome,
  input: {
    keys: KeyRow[];
    csrf: string;
    created?: { name: string; key: string };
    flash?: { kind: 'ok' | 'error'; text: string };
  },
): string {
  const rows = input.keys.map(
    (k) =>
      html`<tr><td>${k.name}</td><td>${k.owner ?? '—'}</td><td>${k.admin ? 'admin' : '—'}</td><td>${
        k.created_at ? formatUtc(k.created_at) : 'LOOPPAUSE_API_KEYS'
      }</td><td>${
        k.configured
          ? html`<span class="muted">set in the environment</span>`
          : html`<form method="post" action="/dashboard/keys/revoke"><input type="hidden" name="csrf" value="${input.csrf}"><input type="hidden" name="name" value="${k.name}"><button type="submit" class="reject" aria-label="Revoke ${k.name}">Revoke</button></form>`
      }</td></tr>`,
  );
  const body = html`<h1>API keys</h1>
${input.flash ? html`<p class="notice ${input.flash.kind}" role="status">${input.flash.text}</p>` : ''}
${
  input.created
    ? html`<section class="card" aria-labelledby="new-key"><h2 id="new-key">Key “${input.created.name}” created</h2><p>Copy it now: it is shown once and stored only as a hash.</p><p class="secret">${input.created.key}</p></section>`
    : ''
}
<div class="card scroll">${
    rows.length > 0
      ? html`<table><thead><tr><th scope="col">Name</th><th scope="col">Owner</th><th scope="col">Admin</th><th scope="col">Created</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>${rows}</tbody></table>`
      : html`<p class="empty"><strong>No API keys yet.</strong>Create one below and give it to an agent.</p>`
  }</div>
<section class="card"><h2>Create a key</h2><form method="post" action="/dashboard/keys"><input type="hidden" name="csrf" value="${input.csrf}">
<label for="k-name">Name (the agent id its requests carry)</label><input type="text" id="k-name" name="name" required maxlength="64" pattern="[A-Za-z0-9._\\-]{1,64}">
<label for="k-owner">Owner <span class="muted">(optional: the human behind the agent, e-mail or Slack user id)</span></label><input type="text" id="k-owner" name="owner" maxlength="254">
<label><input type="checkbox" name="admin" value="yes"> Admin key (may use the admin endpoints)</label>
<div class="buttons"><button type="submit">Create key</button></div></form>
<p class="meta">A revoked key stops working on this server at once and on other replicas within 5 seconds.</p></section>`;
  return layout({ ...chrome, current: 'keys' }, 'API keys', body);
}

export function keyRowsFrom(
  stored: StoredApiKey[],
  configured: { name: string; owner?: string; admin?: boolean }[],
): KeyRow[] {
  return [
    ...configured.map((k) => ({
      name: k.name,
      admin: k.admin === true,
      configured: true,
      ...(k.owner ? { owner: k.owner } : {}),
    })),
    ...stored.map((k) => ({
      name: k.name,
      created_at: k.created_at,
      admin: k.admin === true,
      configured: false,
      ...(k.owner ? { owner: k.owner } : {}),
    })),
  ];
}

export interface PolicyView {
  digest: string;
  agentRouting: string;
  admins: string[];
  groups: Record<string, string[]>;
  rules: { name: string; when: unknown; effect: unknown }[];
}

export function policyPage(
  chrome: Chrome,
  input: {
    policy?: PolicyView;
    csrf: string;
    explain?: { agent: string; action: string; details: string; outcome?: PolicyOutcome; error?: string };
  },
): string {
  const p = input.policy;
  const e = input.explain;
  const body = p
    ? html`<h1>Policy</h1><section class="card"><p>Digest <code>${p.digest}</code> · agent routing <strong>${p.agentRouting}</strong></p>
<p class="meta">Admins: ${p.admins.join(', ') || '—'}</p>
${Object.keys(p.groups).length > 0 ? html`<table class="details"><caption class="muted">Groups</caption><tbody>${Object.entries(p.groups).map(([g, m]) => html`<tr><th scope="row">${g}</th><td>${m.join(', ')}</td></tr>`)}</tbody></table>` : ''}</section>
<section class="card"><h2>Rules, first match wins</h2><ol>${p.rules.map(
        (r) =>
          html`<li><strong>${r.name}</strong><pre>${JSON.stringify({ when: r.when, ...(r.effect as object) }, null, 2)}</pre></li>`,
      )}</ol></section>
<section class="card"><h2>Explain a request</h2><form method="post" action="/dashboard/policy/explain"><input type="hidden" name="csrf" value="${input.csrf}">
<label for="x-agent">Agent (API key name)</label><input type="text" id="x-agent" name="agent" maxlength="64" value="${e?.agent ?? ''}" required>
<label for="x-action">Action</label><input type="text" id="x-action" name="action" maxlength="2000" value="${e?.action ?? ''}" required>
<label for="x-details">Details (JSON object of strings)</label><textarea id="x-details" name="details" maxlength="20000">${e?.details ?? '{}'}</textarea>
<div class="buttons"><button type="submit">Explain</button></div></form>
${e?.error ? html`<p class="notice error" role="alert">${e.error}</p>` : ''}
${e?.outcome ? html`<h3>Result</h3><pre>${JSON.stringify(e.outcome, null, 2)}</pre>` : ''}</section>`
    : html`<h1>Policy</h1><div class="card empty"><strong>No policy file is in force.</strong>Agents name their own recipients and approvers (within the allow-lists). Set <code>LOOPPAUSE_POLICY_FILE</code> to a YAML policy (see the README's Operator policy) to decide who approves what.</div>`;
  return layout({ ...chrome, current: 'policy' }, 'Policy', body);
}
