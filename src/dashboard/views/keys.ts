import { html } from '../../web/html.js';
import { formatUtc } from '../../web/text.js';
import { type Chrome, type Flash, layout, notice } from './layout.js';

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
    flash?: Flash;
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
${notice(input.flash)}
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
