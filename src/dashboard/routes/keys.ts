import type { Response, Router } from 'express';
import { HUMAN_RULE } from '../../domain/schemas.js';
import { type ApiKeyDeps, mintApiKey, revokeApiKey } from '../../use-cases/api-keys.js';
import type { RouteDeps } from '../deps.js';
import { chrome, sendPage } from '../pages.js';
import { presentKeys } from '../presenters/keys.js';
import { signedOf } from '../session.js';
import { keysPage } from '../views/keys.js';

/** Admin: the API keys, minted and revoked through the API-key use case (the CLI's rules). */
export function registerKeys(router: Router, deps: RouteDeps): void {
  const { config, store, service, logger, form, guards } = deps;
  const { requireSignIn, requireAdmin, checkPost } = guards;

  const renderKeys = async (res: Response, status: number, extra: Partial<Parameters<typeof keysPage>[1]>) => {
    const signed = signedOf(res);
    const keys = await presentKeys(store, config.apiKeys);
    sendPage(res, status, keysPage(chrome(res, signed), { keys, csrf: signed.session.csrf, ...extra }));
  };

  const keyDeps: ApiKeyDeps = {
    store,
    configured: config.apiKeys,
    now: service.now,
    onAuditError: (error, entry) =>
      logger.warn(
        { err: error instanceof Error ? error.message : String(error), type: entry.type },
        'audit append failed',
      ),
    ...(deps.auth ? { forget: (name: string) => deps.auth?.forget(name) } : {}),
  };

  router.get('/keys', requireSignIn, requireAdmin, async (_req, res) => renderKeys(res, 200, {}));

  router.post('/keys', form, requireSignIn, requireAdmin, checkPost, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    const owner = typeof body.owner === 'string' ? body.owner.trim() : '';
    const by = signedOf(res).viewer.email;
    const minted = await mintApiKey(keyDeps, {
      name,
      owner: owner === '' ? undefined : owner,
      admin: body.admin === 'yes',
      actor: `dashboard:${by}`,
    });
    const refuse = (status: number, text: string) => renderKeys(res, status, { flash: { kind: 'error', text } });
    switch (minted.outcome) {
      case 'bad_name':
        return refuse(400, 'Name: 1–64 letters, digits, ., _ or -.');
      case 'bad_owner':
        return refuse(400, `Owner: ${HUMAN_RULE}.`);
      case 'configured':
        return refuse(400, `${name} is a key set in LOOPPAUSE_API_KEYS; pick another name.`);
      case 'exists':
        return refuse(409, `A key named ${name} exists; revoke it first.`);
      case 'created':
        logger.info({ name, by }, 'API key created from the dashboard');
        return renderKeys(res, 201, { created: { name, key: minted.key } });
    }
  });

  router.post('/keys/revoke', form, requireSignIn, requireAdmin, checkPost, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name : '';
    const by = signedOf(res).viewer.email;
    const { outcome } = await revokeApiKey(keyDeps, { name, actor: `dashboard:${by}` });
    if (outcome === 'bad_name') return renderKeys(res, 400, { flash: { kind: 'error', text: 'No such key.' } });
    // This replica forgot the key at once (keyDeps.forget); others do within their cache's 5 s.
    if (outcome === 'revoked') logger.info({ name, by }, 'API key revoked from the dashboard');
    await renderKeys(res, outcome === 'revoked' ? 200 : 404, {
      flash:
        outcome === 'revoked'
          ? { kind: 'ok', text: `Revoked ${name}. It stops working here at once, on other replicas within 5 seconds.` }
          : { kind: 'error', text: `No key named ${name}.` },
    });
  });
}
