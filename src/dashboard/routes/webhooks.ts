import type { RequestHandler, Response, Router } from 'express';
import { LoopPauseError } from '../../domain/errors.js';
import type { WebhookEndpoint } from '../../store/ports/webhooks.js';
import type { RouteDeps } from '../deps.js';
import { chrome, sendPage } from '../pages.js';
import { presentWebhooks } from '../presenters/webhooks.js';
import { signedOf } from '../session.js';
import type { Flash } from '../views/layout.js';
import { webhooksPage, webhooksUnavailablePage } from '../views/webhooks.js';

/** Admin: the Webhooks page over the webhook surface's own rules (`WebhookAdmin`: URL vetting, secrets, redrive). */
export function registerWebhooks(router: Router, deps: RouteDeps): void {
  const admin = deps.webhookAdmin;
  const { requireSignIn, requireAdmin, checkPost } = deps.guards;
  const guards = [requireSignIn, requireAdmin];
  const postGuards = [deps.form, requireSignIn, requireAdmin, checkPost];
  const actor = (res: Response) => `dashboard:${signedOf(res).viewer.email}`;

  const render = async (res: Response, status: number, extra: { created?: WebhookEndpoint; flash?: Flash } = {}) => {
    const signed = signedOf(res);
    if (!admin) return sendPage(res, 404, webhooksUnavailablePage(chrome(res, signed)));
    const view = await presentWebhooks(admin);
    sendPage(res, status, webhooksPage(chrome(res, signed), { ...view, csrf: signed.session.csrf, ...extra }));
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

  router.get('/webhooks', ...guards, async (_req, res) => render(res, 200));
  router.post(
    '/webhooks',
    ...postGuards,
    act(async (body, res) => {
      const events = Array.isArray(body.events) ? body.events : body.events === undefined ? [] : [body.events];
      const created = await admin?.add(
        { url: typeof body.url === 'string' ? body.url.trim() : body.url, events },
        actor(res),
      );
      return { status: 201, ...(created ? { created } : {}) };
    }),
  );
  router.post(
    '/webhooks/remove',
    ...postGuards,
    act(async (body) => {
      await admin?.remove(id(body));
      return { status: 200, flash: { kind: 'ok', text: 'Endpoint removed.' } };
    }),
  );
  router.post(
    '/webhooks/redrive',
    ...postGuards,
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
