import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { runWithRequestId } from '../lib/request-context.js';
import { type Metrics, routeLabel } from '../metrics.js';
import { redactSecretPaths } from './secret-paths.js';

/**
 * One line per request: method, path (a secret in it redacted), status, duration. Never headers,
 * queries or bodies. Everything logged while handling the request carries its `req_id` (see createLogger).
 */
export function requestLog(logger: Logger, metrics?: Metrics): RequestHandler {
  return (req, res, next) => {
    const path = req.path;
    const started = process.hrtime.bigint();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && /^[\w.-]{8,128}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      metrics?.httpDuration.observe(
        { method: req.method, route: routeLabel(path), status: String(res.statusCode) },
        ms / 1000,
      );
      runWithRequestId(requestId, () =>
        logger.debug(
          { method: req.method, path: redactSecretPaths(path), status: res.statusCode, ms: Math.round(ms * 10) / 10 },
          'request',
        ),
      );
    });
    runWithRequestId(requestId, next);
  };
}
