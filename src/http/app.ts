import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import { mcpMethodGuard, mcpRouter } from '../mcp/http-handler.js';
import type { Metrics } from '../metrics.js';
import type { ApprovalService } from '../service/approvals.js';
import type { Store } from '../store/store.js';
import type { ApiKeyAuth } from './auth.js';
import { errorHandler } from './errors.js';
import { hostGuard } from './host-guard.js';
import { rateLimit } from './rate-limit.js';
import { requestLog } from './request-log.js';
import { healthRouter } from './routes/health.js';
import { pausesRouter } from './routes/pauses.js';

export interface HttpAppOptions {
  service: ApprovalService;
  store: Store;
  auth: ApiKeyAuth;
  logger: Logger;
  allowedHosts: readonly string[];
  rateLimitPerMinute: number;
  metrics?: Metrics;
  /** Routers mounted by other surfaces (Slack's receiver, the e-mail decision page), path → router. */
  mounts?: ReadonlyArray<{ path: string; router: Router | RequestHandler }>;
  bodyLimit?: string;
}

/**
 * One express app on one port. Body parsers are scoped to the JSON APIs: Slack's receiver must see
 * the raw body to check its signature.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const { service, store, auth, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(requestLog(logger, options.metrics));
  app.use(healthRouter(store, options.metrics));
  app.use(hostGuard(options.allowedHosts));

  const json = express.json({ limit: options.bodyLimit ?? '256kb', type: ['application/json', 'application/*+json'] });
  const authenticated = [auth.middleware(), rateLimit(store, options.rateLimitPerMinute, logger)];
  app.use('/mcp', mcpMethodGuard, json, ...authenticated, mcpRouter(service, logger));
  app.use('/v1/pauses', json, ...authenticated, pausesRouter(service));
  for (const mount of options.mounts ?? []) app.use(mount.path, mount.router);

  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'no such endpoint' } });
  });
  app.use(errorHandler(logger));
  return app;
}
