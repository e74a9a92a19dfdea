import type { DeadLetter, WebhookEndpoint, WebhookEventType } from '../../store/ports/webhooks.js';
import { WEBHOOK_EVENT_TYPES } from '../../store/ports/webhooks.js';
import { html } from '../../web/html.js';
import { formatUtc } from '../../web/text.js';
import type { ListedEndpoint } from '../../webhook/admin.js';
import { type Chrome, type Flash, layout, notice } from './layout.js';

/** What each event means, as the README's Webhooks table says it. */
const EVENT_WORDS: Record<WebhookEventType, string> = {
  'pause.created': 'a request was stored (not one a policy rule decides at once)',
  'pause.delivered': 'the request was posted to Slack or e-mailed',
  'pause.reminded': 'a reminder went out to the approvers who have not voted',
  'pause.escalated': 'an escalation step went out',
  'pause.decided': 'a human or the policy decided; the body carries the signed decision',
  'pause.timed_out': 'nobody decided in time',
  'pause.cancelled': 'the agent cancelled the request',
};

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
  const urlOf = new Map(input.endpoints.map((e) => [e.id, e.url]));
  const post = (action: string, id: string, label: string, cls: string, aria: string) =>
    html`<form method="post" action="/dashboard/webhooks/${action}"><input type="hidden" name="csrf" value="${input.csrf}"><input type="hidden" name="id" value="${id}"><button type="submit" class="${cls}" aria-label="${aria}">${label}</button></form>`;
  const rows = input.endpoints.map(
    (e) => html`<tr><td class="title" data-label="Endpoint"><code>${e.url}</code><div class="meta">${e.id}</div></td>
<td data-label="Events">${e.events.map((t, i) => html`${i > 0 ? ' ' : ''}<code class="tag">${t}</code>`)}</td>
<td data-label="State">${e.enabled ? html`<span class="badge approved">enabled</span>` : html`<span class="badge rejected">disabled</span>${e.disabled_reason ? html`<div class="meta">${e.disabled_reason}</div>` : ''}`}</td>
<td data-label="Dead letters">${dead(e.id)}</td><td data-label="Added">${formatUtc(e.created_at)}<div class="meta">by ${e.created_by}</div></td>
<td data-label="Actions"><div class="buttons tight">${dead(e.id) > 0 ? post('redrive', e.id, 'Redrive', 'quiet', `Redrive the dead letters of ${e.url}`) : ''}${post('remove', e.id, 'Remove', 'reject', `Remove ${e.url}`)}</div></td></tr>`,
  );
  const letters = input.deadLetters.slice(0, 50).map(
    (d) => html`<tr><td data-label="Event"><code class="tag">${d.event.type}</code></td>
<td data-label="Request"><a href="/dashboard/pauses/${d.event.pause_id}">${d.event.pause_id}</a></td>
<td data-label="Endpoint"><code>${urlOf.get(d.endpoint_id) ?? d.endpoint_id}</code></td>
<td data-label="Given up">${formatUtc(d.failed_at)}<div class="meta">after ${d.attempts} attempts</div></td><td data-label="Last error">${d.last_error}</td></tr>`,
  );
  const body = html`<h1>Webhooks</h1>
<p class="meta lead">LoopPause POSTs each event you choose to your endpoints, signed by the Standard Webhooks scheme, and retries for about three days before a delivery becomes a dead letter.</p>
${notice(input.flash)}
${
  input.created
    ? html`<section class="card" aria-labelledby="new-hook"><h2 id="new-hook">Endpoint added</h2><p>Its signing secret, shown once: verify deliveries with it (Standard Webhooks).</p><p class="secret">${input.created.secret}</p></section>`
    : ''
}
${
  rows.length > 0
    ? html`<section class="card list" aria-labelledby="hooks-h"><h2 id="hooks-h">Endpoints</h2><table class="stack"><thead><tr><th scope="col">Endpoint</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Dead letters</th><th scope="col">Added</th><th scope="col"><span class="muted">Actions</span></th></tr></thead><tbody>${rows}</tbody></table></section>`
    : html`<div class="card empty"><strong>No webhook endpoints yet.</strong>Add one below to have LoopPause POST signed events to your systems.</div>`
}
${
  letters.length > 0
    ? html`<section class="card list" aria-labelledby="dead-h"><h2 id="dead-h">Dead letters</h2><p class="meta">Deliveries given up after every retry${input.deadLetters.length > letters.length ? ` (${letters.length} of ${input.deadLetters.length} shown)` : ''}; <em>Redrive</em> sends an endpoint's again.</p><table class="stack"><thead><tr><th scope="col">Event</th><th scope="col">Request</th><th scope="col">Endpoint</th><th scope="col">Given up</th><th scope="col">Last error</th></tr></thead><tbody>${letters}</tbody></table></section>`
    : ''
}
<section class="card" aria-labelledby="add-h"><h2 id="add-h">Add an endpoint</h2><form method="post" action="/dashboard/webhooks"><input type="hidden" name="csrf" value="${input.csrf}">
<label for="w-url">URL</label><input type="text" id="w-url" name="url" required maxlength="2048" aria-describedby="w-url-hint">
<p class="hint" id="w-url-hint">http or https, without credentials, e.g. https://example.com/hooks/looppause. Its host must not resolve to a private address (unless LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE is set); redirects are not followed.</p>
<fieldset class="checks"><legend>Events</legend>${WEBHOOK_EVENT_TYPES.map(
    (t) =>
      html`<label class="check"><input type="checkbox" name="events" value="${t}" checked><span><code>${t}</code><span class="muted"> — ${EVENT_WORDS[t]}</span></span></label>`,
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
