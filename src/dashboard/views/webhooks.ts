import type { DeadLetter, WebhookEndpoint } from '../../store/ports/webhooks.js';
import { WEBHOOK_EVENT_TYPES } from '../../store/ports/webhooks.js';
import { html } from '../../web/html.js';
import { formatUtc } from '../../web/text.js';
import type { ListedEndpoint } from '../../webhook/admin.js';
import { type Chrome, type Flash, layout, notice } from './layout.js';

export function webhooksPage(
  chrome: Chrome,
  input: {
    endpoints: ListedEndpoint[];
    deadLetters: DeadLetter[];
    csrf: string;
    created?: Pick<WebhookEndpoint, 'id' | 'url' | 'secret'>;
    flash?: Flash;
  },
): string {
  const dead = (id: string) => input.deadLetters.filter((d) => d.endpoint_id === id).length;
  const post = (action: string, id: string, label: string, cls: string, aria: string) =>
    html`<form method="post" action="/dashboard/webhooks/${action}"><input type="hidden" name="csrf" value="${input.csrf}"><input type="hidden" name="id" value="${id}"><button type="submit" class="${cls}" aria-label="${aria}">${label}</button></form>`;
  const rows = input.endpoints.map(
    (e) => html`<tr><td><code>${e.url}</code><br><span class="meta">${e.id}</span></td><td>${e.events.join(', ')}</td>
<td>${e.enabled ? 'enabled' : `disabled${e.disabled_reason ? ` (${e.disabled_reason})` : ''}`}</td><td>${dead(e.id)}</td><td>${formatUtc(e.created_at)}</td>
<td><div class="buttons">${dead(e.id) > 0 ? post('redrive', e.id, 'Redrive', 'quiet', `Redrive the dead letters of ${e.url}`) : ''}${post('remove', e.id, 'Remove', 'reject', `Remove ${e.url}`)}</div></td></tr>`,
  );
  const body = html`<h1>Webhooks</h1>
${notice(input.flash)}
${
  input.created
    ? html`<section class="card" aria-labelledby="new-hook"><h2 id="new-hook">Endpoint added</h2><p>Its signing secret, shown once: verify deliveries with it (Standard Webhooks).</p><p class="secret">${input.created.secret}</p></section>`
    : ''
}
<div class="card scroll">${
    rows.length > 0
      ? html`<table><thead><tr><th scope="col">Endpoint</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Dead letters</th><th scope="col">Added</th><th scope="col"><span class="muted">Actions</span></th></tr></thead><tbody>${rows}</tbody></table>`
      : html`<p class="empty"><strong>No webhook endpoints yet.</strong>Add one below to have LoopPause POST signed events to your systems.</p>`
  }</div>
<section class="card"><h2>Add an endpoint</h2><form method="post" action="/dashboard/webhooks"><input type="hidden" name="csrf" value="${input.csrf}">
<label for="w-url">URL (https)</label><input type="text" id="w-url" name="url" required maxlength="2048">
<fieldset><legend>Events</legend>${WEBHOOK_EVENT_TYPES.map(
    (t) => html`<label><input type="checkbox" name="events" value="${t}" checked> ${t}</label>`,
  )}</fieldset>
<div class="buttons"><button type="submit">Add endpoint</button></div></form></section>`;
  return layout({ ...chrome, current: 'webhooks' }, 'Webhooks', body);
}

/** The page on a server without webhooks (404). */
export function webhooksUnavailablePage(chrome: Chrome): string {
  return layout(
    { ...chrome, current: 'webhooks' },
    'Webhooks',
    html`<h1>Webhooks</h1><div class="card empty"><strong>Webhooks are not available on this server.</strong></div>`,
  );
}
