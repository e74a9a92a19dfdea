import type { Server } from 'node:http';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { startAuditRetention } from './audit/retention.js';
import type { Config } from './config.js';
import { type DashboardWiring, dashboardWiring } from './dashboard/wiring.js';
import { loadDevState } from './dev-state.js';
import { createHttpApp } from './http/app.js';
import { ApiKeyAuth } from './http/auth.js';
import { redactSecretPaths } from './http/secret-paths.js';
import { JobRunner } from './jobs/job-runner.js';
import { enableMcpTasks } from './mcp/http-handler.js';
import { Metrics } from './metrics.js';
import { PolicyFile } from './policy/policy-file.js';
import { currentRequestId } from './request-context.js';
import { MemoryStore } from './store/memory-store.js';
import { MemoryTaskStore } from './store/memory-tasks.js';
import { MemoryWebhookStore } from './store/memory-webhooks.js';
import { RedisStore } from './store/redis-store.js';
import { RedisTaskStore } from './store/redis-tasks.js';
import { RedisWebhookStore } from './store/redis-webhooks.js';
import type { Store } from './store/store.js';
import type { Surface, SurfaceFactory } from './surface.js';
import { surfaceFactories } from './surfaces.js';
import { ApprovalService } from './use-cases/approval-service.js';

export interface RunningService {
  url: string;
  port: number;
  config: Config;
  /** The operator's policy file, when LOOPPAUSE_POLICY_FILE is set. */
  policy?: PolicyFile;
  /** The dashboard's sessions, links and access rules. */
  dashboard: DashboardWiring;
  store: Store;
  service: ApprovalService;
  runner: JobRunner;
  logger: Logger;
  metrics: Metrics;
  /** Set when development generated a key (printed in the banner). */
  devApiKey?: string;
  /** Stops accepting, answers waiting long-polls with the current status, closes the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  surfaces?: readonly SurfaceFactory[];
  /** Process metrics (CPU, heap, event loop); off in tests that start many services. */
  defaultMetrics?: boolean;
}

export async function startService(config: Config, options: StartOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger(config);
  const resolved = withDevDefaults(config);
  // A broken policy file stops start-up, before anything is served.
  const policy = resolved.config.policyFile ? new PolicyFile(resolved.config.policyFile, logger) : undefined;
  const store: Store = resolved.config.redis
    ? new RedisStore({ url: resolved.config.redis.url, prefix: resolved.config.redis.prefix })
    : new MemoryStore();
  if (store instanceof RedisStore) await store.connect();
  const metrics = new Metrics({ defaultMetrics: options.defaultMetrics ?? true });

  const runner = new JobRunner({
    store,
    metrics,
    logger,
    leaseMs: resolved.config.jobLeaseMs,
  });
  const auth = new ApiKeyAuth(resolved.config.apiKeys, store);
  const service = new ApprovalService({
    store,
    signingSecret: resolved.signingSecret,
    slackEnabled: resolved.config.slack !== undefined,
    emailFallbackAfterMs: resolved.config.email.fallbackAfterSeconds * 1000,
    ...(resolved.config.allowedEmailDomains ? { allowedEmailDomains: resolved.config.allowedEmailDomains } : {}),
    ...(resolved.config.allowedSlackChannels ? { allowedSlackChannels: resolved.config.allowedSlackChannels } : {}),
    maxWaitingPerKey: resolved.config.maxWaitingPerKey,
    metrics,
    ...(policy ? { policy } : {}),
    ownerOf: (agentId) => auth.ownerOf(agentId),
    onPolicyRefusal: (refusal) => logger.info({ policy_refusal: refusal }, 'policy refused a request'),
  });
  // MCP tasks: their records beside the pauses, so any replica answers tasks/*.
  enableMcpTasks(
    service,
    store instanceof RedisStore ? new RedisTaskStore(store.redis, store.keys) : new MemoryTaskStore(),
  );
  // Webhooks: the endpoint registry and delivery state beside the pauses.
  const webhooks =
    store instanceof RedisStore ? new RedisWebhookStore(store.redis, store.keys) : new MemoryWebhookStore();
  const dashboard = dashboardWiring(resolved.config, store, auth, policy, service.now);
  const context = { config: resolved.config, service, store, runner, logger, dashboard, webhooks, metrics };
  const surfaces = (options.surfaces ?? surfaceFactories)
    .map((factory) => factory(context))
    .filter((s): s is Surface => s !== undefined);
  // One human is one identity on every surface: votes are linked through Slack's directory, if wired.
  const directory = surfaces.find((s) => s.identities !== undefined)?.identities;
  if (directory) service.useIdentityDirectory(directory);

  const app = createHttpApp({
    service,
    store,
    auth,
    logger,
    allowedHosts: resolved.config.allowedHosts,
    trustProxy: resolved.config.trustProxy,
    rateLimitPerMinute: resolved.config.rateLimitPerMinute,
    metrics,
    ...(resolved.config.metricsToken ? { metricsToken: resolved.config.metricsToken } : {}),
    mounts: surfaces.flatMap((s) => s.mounts ?? []),
    adminMounts: surfaces.flatMap((s) => s.adminMounts ?? []),
  });
  const server = await listen(app, resolved.config.port, resolved.config.host);
  for (const surface of surfaces) await surface.start?.();
  runner.start();
  policy?.watch();
  const stopRetention = startAuditRetention(store, resolved.config.auditRetentionDays, logger);

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : resolved.config.port;
  // PORT=0 (tests) picks a free port: links must carry the real one. Surfaces read config lazily.
  if (resolved.config.publicUrl === `http://localhost:0`) resolved.config.publicUrl = `http://localhost:${port}`;
  let closing: Promise<void> | undefined;
  const running: RunningService = {
    url: `http://localhost:${port}`,
    port,
    config: resolved.config,
    store,
    service,
    runner,
    logger,
    metrics,
    dashboard,
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        service.stopWaiting();
        // Keep-alive sockets become idle as their last answer goes out; close them as they do.
        const reaper = setInterval(() => server.closeIdleConnections(), 50);
        server.closeIdleConnections();
        await runner.stop();
        for (const surface of surfaces) await surface.stop?.();
        await Promise.race([closed, delay(10_000)]);
        clearInterval(reaper);
        server.closeAllConnections();
        policy?.close();
        stopRetention();
        await store.close();
      })();
      return closing;
    },
  };
  if (resolved.devApiKey) running.devApiKey = resolved.devApiKey;
  if (policy) running.policy = policy;
  return running;
}

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    base: { service: 'looppause' },
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { req_id: requestId } : {};
    },
    redact: {
      paths: ['*.authorization', '*.headers.authorization', '*.token', '*.apiKey', '*.secret'],
      censor: '[redacted]',
    },
    // Every line as written, whatever its level or source (request log, errors, Bolt): no link token.
    hooks: { streamWrite: redactSecretPaths },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** In development a missing signing secret or API key comes from `.looppause/dev.json`. */
function withDevDefaults(config: Config): { config: Config; signingSecret: string; devApiKey?: string } {
  const complete = config.signingSecret !== undefined && config.apiKeys.length > 0;
  if (complete || config.env === 'production') {
    // parseConfig requires the secret in production; there, keys may also be minted into Redis.
    return { config, signingSecret: config.signingSecret ?? '' };
  }
  if (config.redis !== undefined && config.signingSecret === undefined) {
    // A secret from each replica's own dev.json would make their signatures and form keys disagree.
    throw new Error(
      'LOOPPAUSE_SIGNING_SECRET is required with REDIS_URL: every replica must sign with the same secret',
    );
  }
  const dev = loadDevState(config.devStateDir);
  // A key minted on the fly is for the embedded store only: with Redis, keys are created on purpose.
  const needsKey = config.apiKeys.length === 0 && config.redis === undefined;
  // In the config too: surfaces derive their own keys from it (the e-mail form key).
  const signingSecret = config.signingSecret ?? dev.signingSecret;
  return {
    config: { ...config, signingSecret, ...(needsKey ? { apiKeys: [{ name: 'dev', key: dev.apiKey }] } : {}) },
    signingSecret,
    ...(needsKey ? { devApiKey: dev.apiKey } : {}),
  };
}

function listen(app: ReturnType<typeof createHttpApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    // Long-polls hold up to 50 s; the default request timeout (300 s) is fine, but be explicit.
    server.requestTimeout = 120_000;
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
