import type { RequestHandler, Response, Router } from 'express';
import { LoopPauseError } from '../domain/errors.js';
import type { DeadLetter, WebhookEndpoint } from '../store/ports/webhooks.js';
import { WEBHOOK_EVENT_TYPES } from '../store/ports/webhooks.js';
import { html } from '../web/html.js';
import { formatUtc } from '../web/text.js';
import type { ListedEndpoint, WebhookAdmin } from '../webhook/admin.js';
import { type Chrome, layout } from './views.js';

type Flash = { kind: 'ok' | 'error'; text: string };

function webhooksPage(
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
${input.flash ? html`<p class="notice ${input.flash.kind}" role="status">${input.flash.text}</p>` : ''}
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

/** The admin Webhooks page over the webhook surface's own rules (`WebhookAdmin`: URL vetting, secrets, redrive). */
export function registerWebhookPages(
  router: Router,
  deps: {
    admin: WebhookAdmin | undefined;
    guards: RequestHandler[];
    postGuards: RequestHandler[];
    chrome: (res: Response) => Chrome;
    csrf: (res: Response) => string;
    actor: (res: Response) => string;
  },
): void {
  const { admin } = deps;
  const render = async (res: Response, status: number, extra: { created?: WebhookEndpoint; flash?: Flash } = {}) => {
    if (!admin) {
      res
        .status(404)
        .type('html')
        .send(
          layout(
            { ...deps.chrome(res), current: 'webhooks' },
            'Webhooks',
            html`<h1>Webhooks</h1><div class="card empty"><strong>Webhooks are not available on this server.</strong></div>`,
          ),
        );
      return;
    }
    const [endpoints, deadLetters] = await Promise.all([admin.list(), admin.deadLetters()]);
    res
      .status(status)
      .type('html')
      .send(webhooksPage(deps.chrome(res), { endpoints, deadLetters, csrf: deps.csrf(res), ...extra }));
  };
  const act =
    (
      run: (
        body: Record<string, unknown>,
        res: Response,
      ) => Promise<{ status: number; created?: WebhookEndpoint; flash?: Flash }>,
    ): RequestHandler =>
    async (req, res) => {
      if (!admin) return render(res, 404);
      try {
        const outcome = await run((req.body ?? {}) as Record<string, unknown>, res);
        await render(res, outcome.status, outcome);
      } catch (error) {
        if (!(error instanceof LoopPauseError)) throw error;
        await render(res, error.code === 'not_found' ? 404 : 400, { flash: { kind: 'error', text: error.message } });
      }
    };
  const id = (body: Record<string, unknown>) => (typeof body.id === 'string' ? body.id : '');

  router.get('/webhooks', ...deps.guards, async (_req, res) => render(res, 200));
  router.post(
    '/webhooks',
    ...deps.postGuards,
    act(async (body, res) => {
      const events = Array.isArray(body.events) ? body.events : body.events === undefined ? [] : [body.events];
      const created = await admin?.add(
        { url: typeof body.url === 'string' ? body.url.trim() : body.url, events },
        deps.actor(res),
      );
      return { status: 201, ...(created ? { created } : {}) };
    }),
  );
  router.post(
    '/webhooks/remove',
    ...deps.postGuards,
    act(async (body) => {
      await admin?.remove(id(body));
      return { status: 200, flash: { kind: 'ok', text: 'Endpoint removed.' } };
    }),
  );
  router.post(
    '/webhooks/redrive',
    ...deps.postGuards,
    act(async (body) => {
      const result = await admin?.redrive({ endpoint_id: id(body) });
      return {
        status: 200,
        flash: {
          kind: 'ok',
          text: `Redriven: ${result?.redriven ?? 0}; skipped (endpoint disabled): ${result?.skipped ?? 0}.`,
        },
      };
    }),
  );
}
