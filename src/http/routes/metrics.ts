import { Router } from 'express';
import { LoopPauseError } from '../../domain/errors.js';
import { secretsEqual } from '../../domain/hash.js';
import type { Metrics } from '../../metrics.js';
import { sendError } from '../errors.js';

/** Prometheus metrics; behind `Authorization: Bearer <token>` when a token is configured. */
export function metricsRouter(metrics: Metrics, token?: string): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (token !== undefined) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      if (given === undefined || !secretsEqual(given, token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="looppause-metrics"');
        sendError(res, new LoopPauseError('unauthorized', 'metrics need Authorization: Bearer <metrics token>'));
        return;
      }
    }
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return router;
}
