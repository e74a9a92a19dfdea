import { Router } from 'express';
import { within } from '../../lib/within.js';
import type { StoreHealth } from '../../store/ports/lifecycle.js';

/** Liveness and readiness; outside the Host guard so load balancers may probe by IP. */
export function healthRouter(store: StoreHealth): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (
      await within(
        1000,
        store.ping().then(() => true),
      )
    ) {
      res.json({ status: 'ready', store: store.kind });
    } else {
      res.status(503).json({ status: 'unavailable', store: store.kind, message: 'the store is unreachable' });
    }
  });
  return router;
}
