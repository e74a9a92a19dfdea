import type { RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { dashboardSurface } from './dashboard/index.js';
import type { DashboardWiring } from './dashboard/wiring.js';
import { emailSurface } from './email/index.js';
import type { MailTransport } from './email/transport.js';
import type { JobRunner } from './jobs/job-runner.js';
import type { Metrics } from './metrics.js';
import type { SlackParts } from './slack/app.js';
import { slackSurface } from './slack/index.js';
import type { DecisionTokens } from './store/ports/decision-tokens.js';
import type { JobQueue } from './store/ports/jobs.js';
import type { PauseStore } from './store/ports/pauses.js';
import type { ApprovalService } from './use-cases/approval-service.js';
import { type Webhooks, webhookSurface } from './webhook/index.js';

/**
 * What a surface (Slack, e-mail, webhooks, the dashboard) gets to wire itself in: every
 * collaborator is built once by the composition root (main.ts) and handed over here; a surface
 * registers its job handlers and returns its routes.
 */
export interface SurfaceContext {
  /** Final: the port is bound and PUBLIC_URL known before any surface is built. */
  config: Config;
  service: ApprovalService;
  /** Slack lists pauses for `/looppause`; e-mail keeps its decision links; webhooks queue deliveries. */
  store: PauseStore & DecisionTokens & Pick<JobQueue, 'enqueueJob'>;
  runner: JobRunner;
  logger: Logger;
  metrics: Metrics;
  /** The one mail transport (one SMTP pool) of the service: e-mail requests and dashboard sign-in links. */
  mail: MailTransport;
  /** Webhook fan-out, delivery and admin, built once (the dashboard's page uses the same admin). */
  webhooks: Webhooks;
  /** The dashboard's sessions, sign-in links and access rules; Slack's `/looppause login` mints links too. */
  dashboard: DashboardWiring;
  /** The Slack app and its identity directory, when Slack is configured. */
  slack?: SlackParts | undefined;
}

export interface Surface {
  name: string;
  mounts?: ReadonlyArray<{ path: string; router: Router | RequestHandler }>;
  /** Mounted behind API-key authentication, the admin check, the JSON parser and the rate limit. */
  adminMounts?: ReadonlyArray<{ path: string; router: Router | RequestHandler }>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type SurfaceFactory = (context: SurfaceContext) => Surface | undefined;

/**
 * Every surface the service runs besides MCP and REST; each decides from its context whether it
 * is on. Their order does not matter: the handlers of one job run independently of each other.
 */
export const surfaceFactories: readonly SurfaceFactory[] = [
  webhookSurface,
  slackSurface,
  emailSurface,
  dashboardSurface,
];
