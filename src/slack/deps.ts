import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { SignInLinks } from '../dashboard/links.js';
import type { PauseStore } from '../store/ports/pauses.js';
import type { ApprovalService } from '../use-cases/approval-service.js';
import type { SlackAudience } from './audience.js';
import type { IdentityResolver } from './identity.js';

/** What listeners and job handlers share. `client` carries the bot token. */
export interface SlackDeps {
  service: ApprovalService;
  /** For the `/looppause` list; everything else goes through the service. */
  store: PauseStore;
  client: WebClient;
  identity: IdentityResolver;
  /** Who may see and decide which request in Slack. */
  audience: SlackAudience;
  logger: Logger;
  /** PUBLIC_URL: messages link to the request's page when Slack's limits cut a tool call's input. */
  publicUrl?: string;
  /** `/looppause login`: one-time dashboard links, when the dashboard is wired. */
  dashboardLinks?: Pick<SignInLinks, 'issue'>;
}
