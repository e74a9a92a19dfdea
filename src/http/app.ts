import express, { type Express, type Request, type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import { LoopPauseError } from '../domain/errors.js';
import { mcpMethodGuard, mcpRouter, refuseBatches, requireObjectArguments } from '../mcp/http-handler.js';
import type { McpTasks } from '../mcp/tasks.js';
import type { Metrics } from '../metrics.js';
import type { SlackStatus } from '../slack/connection.js';
import type { StoreHealth } from '../store/ports/lifecycle.js';
import type { RateLimits } from '../store/ports/rate-limits.js';
import type { ApprovalService } from '../use-cases/approval-service.js';
import type { RedeemReceiptDeps } from '../use-cases/redeem-receipt.js';
import { type ApiKeyAuth, requireAdmin } from './auth.js';
import { errorHandler, sendError } from './errors.js';
import { hostGuard } from './host-guard.js';
import { rateLimit } from './rate-limit.js';
import { requestLog } from './request-log.js';
import { healthRouter } from './routes/health.js';
import { answerHookFailures, type HooksOptions, hooksRouter } from './routes/hooks.js';
import { metricsRouter } from './routes/metrics.js';
import { pausesRouter } from './routes/pauses.js';
import { policyRouter } from './routes/policy.js';
import { receiptsRouter } from './routes/receipts.js';
import { toolCallsRouter } from './routes/tool-calls.js';

export interface HttpAppOptions {
  service: ApprovalService;
  /** MCP tasks on /mcp (records in the store, so any replica answers tasks/*). */
  mcpTasks?: McpTasks;
  /** An operator policy routes requests (request_approval's description says so). */
  policyRoutes?: boolean;
  /** For readiness and the per-key rate limit. */
  store: StoreHealth & RateLimits;
  auth: ApiKeyAuth;
  logger: Logger;
  allowedHosts: readonly string[];
  /** Express's `trust proxy`: whose X-Forwarded-For sets `req.ip` (config.trustProxy). */
  trustProxy: number | string[];
  rateLimitPerMinute: number;
  metrics?: Metrics;
  /** How the connection to Slack stands, when Slack is configured: shown by /readyz. */
  slackStatus?: () => SlackStatus;
  /** When set, `/metrics` needs `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  /** Routers mounted by other surfaces (Slack's receiver, the e-mail decision page), path → router. */
  mounts?: ReadonlyArray<{ path: string; router: Router | RequestHandler }>;
  /** Admin routers of other surfaces (webhooks), behind authentication, the admin check, JSON and the rate limit. */
  adminMounts?: ReadonlyArray<{ path: string; router: Router | RequestHandler }>;
  bodyLimit?: string;
  /** `POST /v1/receipts/redeem`, when the service signs receipts. */
  receipts?: RedeemReceiptDeps;
  /** `POST /mcp/gateway/<name>`: the MCP servers of LOOPPAUSE_GATEWAY_FILE behind the policy (gateway/router.ts). */
  gateway?: Router;
  /** The longest a tool call waits for a human (LOOPPAUSE_HOOK_WAIT_SECONDS); 540 when not given. */
  hookWaitSeconds?: number;
  /** `POST /v1/hooks/claude-code` and `/v1/hooks/cursor`: coding agents' hooks, answered by the tool-call engine. */
  hooks?: HooksOptions;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * The JSON APIs read JSON only: a body sent as another type (curl's `-d` sends a form) would be
 * read as no body at all and refused for a missing argument, which misleads. It is refused for
 * what it is, naming the header. A request without a body (a GET, a bare cancel) passes.
 */
const jsonOnly: RequestHandler = (req, res, next) => {
  if (hasBody(req) && !req.is(JSON_TYPES)) {
    const sent = req.headers['content-type'];
    const what = sent === undefined ? 'no Content-Type header' : `Content-Type ${JSON.stringify(sent.slice(0, 100))}`;
    sendError(
      res,
      new LoopPauseError(
        'unsupported_media_type',
        `the body must be JSON, sent with the header Content-Type: application/json (this request has ${what})`,
        'Content-Type',
      ),
    );
    return;
  }
  next();
};

/** A body with bytes in it: chunked, or a Content-Length above 0 (an empty POST carries `Content-Length: 0`). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0);
}

/**
 * One express app on one port. Body parsers are scoped to the JSON APIs: Slack's receiver must see
 * the raw body to check its signature.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const { service, store, auth, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy);
  app.use(requestLog(logger, options.metrics));
  app.use(healthRouter(store, { slack: options.slackStatus }));
  if (options.hooks) app.use('/v1/hooks', answerHookFailures);
  app.use(hostGuard(options.allowedHosts));
  if (options.metrics) app.use(metricsRouter(options.metrics, options.metricsToken));

  const json = express.json({ limit: options.bodyLimit ?? '256kb', type: JSON_TYPES });
  // Authenticate before parsing: an anonymous body is never read.
  const authenticate = auth.middleware();
  const limit = rateLimit(store, options.rateLimitPerMinute, logger);
  // Every MCP endpoint: POST only, the key checked before the body is read, JSON, one message a
  // request, the rate limit, and object arguments.
  const mcp = [mcpMethodGuard, authenticate, jsonOnly, json, refuseBatches, limit, requireObjectArguments];
  // Before /mcp, whose middleware would otherwise run (and count) for these paths too.
  if (options.gateway) app.use('/mcp/gateway', ...mcp, options.gateway);
  app.use(
    '/mcp',
    ...mcp,
    mcpRouter({ service, tasks: options.mcpTasks, policyRoutes: options.policyRoutes ?? false, logger }),
  );
  app.use('/v1/pauses', authenticate, jsonOnly, json, limit, pausesRouter(service));
  app.use(
    '/v1/tool-calls',
    authenticate,
    jsonOnly,
    json,
    limit,
    toolCallsRouter(service, options.hookWaitSeconds ?? 540),
  );
  app.use('/v1/policy', authenticate, requireAdmin, jsonOnly, json, limit, policyRouter(service));
  if (options.receipts) app.use('/v1/receipts', authenticate, jsonOnly, json, limit, receiptsRouter(options.receipts));
  // Hooks read their own body (any content type, a larger limit) and answer every failure as a deny.
  if (options.hooks) app.use('/v1/hooks', hooksRouter({ ...options.hooks, authenticate, limit, logger }));
  for (const mount of options.adminMounts ?? [])
    app.use(mount.path, authenticate, requireAdmin, jsonOnly, json, limit, mount.router);
  for (const mount of options.mounts ?? []) app.use(mount.path, mount.router);

  app.use((_req, res) => {
    sendError(res, new LoopPauseError('not_found', 'no such endpoint'));
  });
  app.use(errorHandler(logger));
  return app;
}
