import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { LoopPauseError } from '../../domain/errors.js';
import type { Metrics } from '../../metrics.js';
import { sendError } from '../errors.js';

/** Prometheus metrics; behind `Authorization: Bearer <token>` when a token is configured. */
export function metricsRouter(metrics: Metrics, token?: string): Router {
  const router = Router();
  const expected = token === undefined ? undefined : digest(token);
  router.get('/metrics', async (req, res) => {
    if (expected) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      // Hashing first gives equal lengths, so the comparison is constant-time whatever is sent.
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
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

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
