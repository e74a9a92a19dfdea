import { Router } from 'express';
import { agentOf } from '../http/auth.js';
import type { WebhookAdmin } from './admin.js';

/**
 * `/v1/webhooks` (admin keys; the app puts authentication, the admin check and the JSON parser in
 * front): register, list, read, remove, rotate the secret, enable again, dead letters and redrive.
 */
export function webhooksRouter(admin: WebhookAdmin): Router {
  const router = Router();
  router.post('/', async (req, res) => {
    const endpoint = await admin.add(req.body ?? {}, agentOf(res)?.id ?? 'unknown');
    res.status(201).json(endpoint);
  });
  router.get('/', async (_req, res) => {
    res.json({ items: await admin.list() });
  });
  router.get('/dead-letters', async (req, res) => {
    const endpointId = typeof req.query.endpoint_id === 'string' ? req.query.endpoint_id : undefined;
    res.json({ items: await admin.deadLetters(endpointId) });
  });
  router.post('/redrive', async (req, res) => {
    res.json(await admin.redrive(req.body ?? {}));
  });
  router.get('/:id', async (req, res) => {
    res.json(await admin.get(req.params.id));
  });
  router.delete('/:id', async (req, res) => {
    await admin.remove(req.params.id);
    res.status(204).end();
  });
  router.post('/:id/rotate-secret', async (req, res) => {
    res.json(await admin.rotateSecret(req.params.id));
  });
  router.post('/:id/enable', async (req, res) => {
    res.json(await admin.enable(req.params.id));
  });
  return router;
}
