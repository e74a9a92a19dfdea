import type { KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { PolicyFile } from './adapters/policy-file.js';
import { WatchedFile } from './adapters/watched-file.js';
import type { Config } from './config.js';
import { type DashboardWiring, dashboardWiring } from './dashboard/wiring.js';
import { devOutboxLinks } from './email/dev-links.js';
import { createMailTransport, type MailTransport } from './email/transport.js';
import { Gateway, gatewayFileKind } from './gateway/gateway.js';
import { gatewayRouter } from './gateway/router.js';
import { createHttpApp } from './http/app.js';
import { ApiKeyAuth } from './http/auth.js';
import { redactSecretPaths } from './http/secret-paths.js';
import { startAuditRetention } from './jobs/audit-retention.js';
import { startDelegationExpiry } from './jobs/delegation-expiry.js';
import { JobRunner } from './jobs/job-runner.js';
import { loadDevState } from './lib/dev-state.js';
import { currentRequestId } from './lib/request-context.js';
import { within } from './lib/within.js';
import { McpTasks } from './mcp/tasks.js';
import { Metrics } from './metrics.js';
import { JWKS_PATH, jwksRouter } from './receipts/jwks-route.js';
import { generateReceiptKey, parseReceiptPrivateKey } from './receipts/keys.js';
import { ReceiptSigner } from './receipts/signer.js';
import { createSlack, type SlackAppOptions, type SlackParts } from './slack/app.js';
import type { SlackStatus } from './slack/connection.js';
import { createStores, type Stores } from './store/factory.js';
import { snapshotFile } from './store/memory-snapshot.js';
import type { Store } from './store/store.js';
import { type Surface, type SurfaceContext, type SurfaceFactory, surfaceFactories } from './surfaces.js';
import { ApprovalService } from './use-cases/approval-service.js';
import { createWebhooks, type WebhookOptions } from './webhook/index.js';

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
  /**
   * Development with nobody allowed on the dashboard: the stand-in admin and a one-time sign-in
   * link minted at start-up (printed in the banner, outside the log).
   */
  devSignIn?: { email: string; link: string };
  /** How the connection to Slack stands, when Slack is configured (banner, /readyz). */
  slack?: { status(): SlackStatus };
  /** Stops accepting, answers waiting long-polls with the current status, closes the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  surfaces?: readonly SurfaceFactory[];
  /** Process metrics (CPU, heap, event loop); off in tests that start many services. */
  defaultMetrics?: boolean;
  /** Tests: the Slack WebClient's retries and timeout. */
  slack?: SlackAppOptions;
  /** Tests: webhook resolver, retry schedule, timeout, per-endpoint slots, the HTTP post. */
  webhooks?: WebhookOptions;
  /** Development: the logger of the outbox's link lines (exempt from link redaction; see devOutboxLinks). */
  devLinkLogger?: Logger;
}

/**
 * The composition root: every collaborator is built here, once, and handed to what uses it as a
 * parameter. The order is the dependency order; nothing is registered or mutated behind it.
 */
export async function startService(config: Config, options: StartOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger(config);
  const dev = withDevSignIn(withDevDefaults(config));
  // A broken policy file stops start-up, before anything is served.
  const policy = dev.config.policyFile ? new PolicyFile(dev.config.policyFile, logger) : undefined;
  // So does a broken gateway file.
  const gateway = dev.config.gateway
    ? new Gateway(
        new WatchedFile(dev.config.gateway.file, gatewayFileKind(dev.config.gateway.env), logger),
        logger.child({ component: 'gateway' }),
      )
    : undefined;
  const stores = await createStores(
    dev.config.redis,
    dev.config.memorySnapshot ? { file: snapshotFile(dev.config.devStateDir), logger } : undefined,
  );
  const { store } = stores;
  // Bound first (no handler yet): with PORT=0 every link must carry the real port, so the config is
  // final before anything reads it.
  const server = createServer();
  let built: Built;
  try {
    const port = await listen(server, dev.config.port, dev.config.host);
    const final: Config =
      dev.config.publicUrl === 'http://localhost:0'
        ? { ...dev.config, publicUrl: `http://localhost:${port}` }
        : dev.config;
    const receipts = new ReceiptSigner({
      privateKey: dev.receiptKey,
      previous: final.receipts.previous,
      issuer: final.publicUrl,
      ttlSeconds: final.receipts.ttlSeconds,
    });
    built = build(final, dev.signingSecret, { logger, policy, gateway, stores, options, receipts });
    server.on('request', built.app);
    for (const surface of built.surfaces) await surface.start?.();
    built.runner.start();
    policy?.watch();
    gateway?.watch();
    // Slack is reached in the background and never stops start-up; the banner waits a moment for the first answer.
    if (built.slack) await within(SLACK_FIRST_ANSWER_MS, built.slack.connection.start());
    const link = dev.devAdmin ? await built.dashboard.links.issue(dev.devAdmin) : undefined;
    const devSignIn = dev.devAdmin && link ? { email: dev.devAdmin, link } : undefined;
    return running(server, port, final, { devApiKey: dev.devApiKey, devSignIn }, built);
  } catch (error) {
    server.close();
    policy?.close();
    await gateway?.close();
    await store.close();
    throw error;
  }
}

/** A gateway call's pause without a rule timeout lives an hour: calls again re-attach to it meanwhile. */
const GATEWAY_PAUSE_SECONDS = 3600;

/** How long start-up waits for Slack's first answer (the banner says "connecting" after that). */
const SLACK_FIRST_ANSWER_MS = 3000;

interface Built {
  slack: SlackParts | undefined;
  service: ApprovalService;
  runner: JobRunner;
  metrics: Metrics;
  dashboard: DashboardWiring;
  surfaces: Surface[];
  app: Express;
  mail: MailTransport;
  stopRetention: () => void;
  logger: Logger;
  policy: PolicyFile | undefined;
  gateway: Gateway | undefined;
  store: Store;
}

function build(
  config: Config,
  signingSecret: string,
  parts: {
    logger: Logger;
    policy: PolicyFile | undefined;
    gateway: Gateway | undefined;
    stores: Stores;
    options: StartOptions;
    receipts: ReceiptSigner;
  },
): Built {
  const { logger, policy, gateway, stores, options, receipts } = parts;
  const { store } = stores;
  const metrics = new Metrics({
    defaultMetrics: options.defaultMetrics ?? true,
    webhookQueue: {
      pending: () => stores.webhooks.pendingCount(),
      deadLetters: () => stores.webhooks.deadLetterCount(),
    },
  });
  const runner = new JobRunner({
    store,
    metrics,
    logger,
    leaseMs: config.jobLeaseMs,
    // The service is built below; the runner calls this only once started.
    endAtDeadline: (pauseId, nowMs) => service.endAtDeadline(pauseId, nowMs),
  });
  const auth = new ApiKeyAuth(config.apiKeys, store);
  const slack = config.slack ? createSlack(config.slack, logger, options.slack) : undefined;
  const service = new ApprovalService({
    store,
    signingSecret,
    receipts,
    slackEnabled: slack !== undefined,
    emailFallbackAfterMs: config.email.fallbackAfterSeconds * 1000,
    ...(config.allowedEmailDomains ? { allowedEmailDomains: config.allowedEmailDomains } : {}),
    ...(config.allowedSlackChannels ? { allowedSlackChannels: config.allowedSlackChannels } : {}),
    maxWaitingPerKey: config.maxWaitingPerKey,
    metrics,
    ...(policy ? { policy } : {}),
    ownerOf: (agentId) => auth.ownerOf(agentId),
    onPolicyRefusal: (refusal) => logger.info({ policy_refusal: refusal }, 'policy refused a request'),
    // One human is one identity on every surface: voters are linked through Slack's directory.
    identities: slack?.identity,
    hookWaitSeconds: config.hookWaitSeconds,
    delegations: { store: stores.delegations, audit: store },
  });
  const mail = createMailTransport(config.email, logger.child({ component: 'mail' }), {
    onWritten: devOutboxLinks(config, options.devLinkLogger),
  });
  const webhooks = createWebhooks(
    { config, webhooks: stores.webhooks, jobs: store, service, logger, metrics },
    options.webhooks,
  );
  const dashboard = dashboardWiring(config, store, stores.sessions, auth, policy, service.now);
  const context: SurfaceContext = { config, service, store, runner, logger, metrics, mail, webhooks, dashboard, slack };
  const surfaces = (options.surfaces ?? surfaceFactories)
    .map((factory) => factory(context))
    .filter((s): s is Surface => s !== undefined);
  const app = createHttpApp({
    service,
    mcpTasks: new McpTasks(stores.tasks, service, service.now),
    policyRoutes: policy !== undefined,
    store,
    auth,
    logger,
    allowedHosts: config.allowedHosts,
    trustProxy: config.trustProxy,
    rateLimitPerMinute: config.rateLimitPerMinute,
    metrics,
    ...(slack ? { slackStatus: () => slack.connection.status() } : {}),
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
    receipts: { redemptions: stores.receipts, jwks: () => receipts.jwks(), issuer: config.publicUrl, now: service.now },
    hookWaitSeconds: config.hookWaitSeconds,
    ...(gateway
      ? {
          gateway: gatewayRouter({
            gateway,
            logger: logger.child({ component: 'gateway' }),
            calls: {
              service,
              audit: store,
              waitSeconds: config.gatewayWaitSeconds,
              lifetimeSeconds: GATEWAY_PAUSE_SECONDS,
              now: service.now,
              tasks: stores.tasks,
            },
          }),
        }
      : {}),
    hooks: {
      toolCall: (agent, body, opts) => service.toolCall(agent, body, opts),
      maxWaitSeconds: config.hookWaitSeconds,
    },
    mounts: [{ path: JWKS_PATH, router: jwksRouter(receipts) }, ...surfaces.flatMap((s) => s.mounts ?? [])],
    adminMounts: surfaces.flatMap((s) => s.adminMounts ?? []),
  });
  const stopAuditRetention = startAuditRetention(store, config.auditRetentionDays, logger);
  // Delegations past their end are removed and their end audited, once across replicas.
  const delegationExpiry = startDelegationExpiry(
    { delegations: stores.delegations, audit: store },
    logger,
    service.now,
  );
  const stopRetention = () => {
    stopAuditRetention();
    delegationExpiry.stop();
  };
  return {
    slack,
    service,
    runner,
    metrics,
    dashboard,
    surfaces,
    app,
    mail,
    stopRetention,
    logger,
    policy,
    gateway,
    store,
  };
}

function running(
  server: Server,
  port: number,
  config: Config,
  dev: { devApiKey: string | undefined; devSignIn: RunningService['devSignIn'] | undefined },
  built: Built,
): RunningService {
  const { devApiKey, devSignIn } = dev;
  const { service, runner, surfaces, policy, store } = built;
  let closing: Promise<void> | undefined;
  const result: RunningService = {
    url: `http://localhost:${port}`,
    port,
    config,
    store,
    service,
    runner,
    logger: built.logger,
    metrics: built.metrics,
    dashboard: built.dashboard,
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        service.stopWaiting();
        // Keep-alive sockets become idle as their last answer goes out; close them as they do.
        const reaper = setInterval(() => server.closeIdleConnections(), 50);
        server.closeIdleConnections();
        await runner.stop();
        await built.slack?.connection.close();
        for (const surface of surfaces) await surface.stop?.();
        await Promise.race([closed, delay(10_000)]);
        clearInterval(reaper);
        server.closeAllConnections();
        built.mail.close();
        policy?.close();
        await built.gateway?.close();
        built.stopRetention();
        await store.close();
      })();
      return closing;
    },
  };
  if (devApiKey) result.devApiKey = devApiKey;
  if (devSignIn) result.devSignIn = devSignIn;
  if (policy) result.policy = policy;
  const connection = built.slack?.connection;
  if (connection) result.slack = { status: () => connection.status() };
  return result;
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

/**
 * In development a missing signing secret, API key or receipt key comes from `.looppause/dev.json`;
 * in test a missing receipt key is a fresh one for this start.
 */
function withDevDefaults(config: Config): {
  config: Config;
  signingSecret: string;
  receiptKey: KeyObject;
  devApiKey?: string;
} {
  const complete = config.signingSecret !== undefined && config.apiKeys.length > 0;
  const givenKey = config.receipts.key;
  if (config.env === 'production' || (complete && (givenKey !== undefined || config.env === 'test'))) {
    // parseConfig requires the secret and the receipt key in production; there, keys may also be minted into Redis.
    const receiptKey = givenKey ?? parseReceiptPrivateKey(generateReceiptKey());
    return { config, signingSecret: config.signingSecret ?? '', receiptKey };
  }
  if (config.redis !== undefined && config.signingSecret === undefined) {
    // A secret from each replica's own dev.json would make their signatures and form keys disagree.
    throw new Error(
      'LOOPPAUSE_SIGNING_SECRET is required with REDIS_URL: every replica must sign with the same secret',
    );
  }
  if (config.redis !== undefined && givenKey === undefined && config.env === 'development') {
    throw new Error(
      'LOOPPAUSE_RECEIPT_KEY is required with REDIS_URL: every replica must sign receipts with the same key',
    );
  }
  const dev = loadDevState(config.devStateDir);
  // A key minted on the fly is for the embedded store only: with Redis, keys are created on purpose.
  // It is the local operator's own key, so it may use the admin endpoints too (policy explain, webhooks).
  const needsKey = config.apiKeys.length === 0 && config.redis === undefined;
  // In the config too: surfaces derive their own keys from it (the e-mail form key).
  const signingSecret = config.signingSecret ?? dev.signingSecret;
  return {
    config: {
      ...config,
      signingSecret,
      ...(needsKey ? { apiKeys: [{ name: 'dev', key: dev.apiKey, admin: true }] } : {}),
    },
    signingSecret,
    receiptKey: givenKey ?? parseReceiptPrivateKey(dev.receiptKey),
    ...(needsKey ? { devApiKey: dev.apiKey } : {}),
  };
}

/** Who signs in to the dashboard in development when nobody is configured to. */
export const DEV_DASHBOARD_ADMIN = 'dev@looppause.localhost';

/**
 * In development (NODE_ENV=development, the default) on the embedded store, with neither a policy
 * file nor LOOPPAUSE_DASHBOARD_USERS / LOOPPAUSE_DASHBOARD_ADMINS, the dashboard has one admin,
 * DEV_DASHBOARD_ADMIN, so it can be tried at once. Never in production or test, never with Redis, never
 * when anyone is named.
 */
function withDevSignIn<T extends { config: Config }>(dev: T): T & { devAdmin?: string } {
  const { config } = dev;
  const named = config.dashboard.users.length > 0 || config.dashboard.admins.length > 0;
  if (config.env !== 'development' || config.redis !== undefined || config.policyFile !== undefined || named) {
    return dev;
  }
  return {
    ...dev,
    config: { ...config, dashboard: { users: [], admins: [DEV_DASHBOARD_ADMIN] } },
    devAdmin: DEV_DASHBOARD_ADMIN,
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Long-polls hold up to 50 s; the default request timeout (300 s) is fine, but be explicit.
  server.requestTimeout = 120_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
