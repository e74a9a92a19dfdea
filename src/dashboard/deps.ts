import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ApiKeyAuth } from '../http/auth.js';
import type { OidcSignIn } from '../sso/oidc.js';
import type { DashboardSessions } from '../store/ports/sessions.js';
import type { Store } from '../store/store.js';
import type { ApprovalService } from '../use-cases/approval-service.js';
import type { PolicySource } from '../use-cases/policy-gate.js';
import type { WebhookAdmin } from '../webhook/admin.js';
import type { DashboardAccess } from './access.js';
import type { CursorSeal } from './cursor-seal.js';
import type { SignInLinks } from './links.js';
import type { LiveEvents } from './live.js';
import type { SessionGuards } from './session.js';

/** What the dashboard is built from (the surface factory in index.ts hands it over). */
export interface DashboardDeps {
  config: Config;
  service: ApprovalService;
  store: Store;
  sessions: DashboardSessions;
  access: DashboardAccess;
  links: SignInLinks;
  /** Sends the sign-in link (the e-mail surface's transport fits). */
  transport: { send(mail: SignInMail): Promise<unknown> };
  auth?: ApiKeyAuth;
  policy?: PolicySource;
  /** Sign-in with the company's OpenID Connect provider, when configured. */
  oidc?: OidcSignIn;
  live: LiveEvents;
  /** The webhook surface's admin rules, when webhooks are wired. */
  webhookAdmin?: WebhookAdmin | undefined;
  logger: Logger;
}

/** A sign-in link's mail, as the dashboard hands it to the transport. */
export interface SignInMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  threadId: string;
}

/** What each page group's `registerX(router, deps)` gets: the dashboard's deps and what the router builds once. */
export interface RouteDeps extends DashboardDeps {
  /** The dashboard's HMAC key (sign-in form tokens), derived from the signing secret. */
  key: Buffer;
  /** Seals page cursors under that key. */
  cursors: CursorSeal;
  /** The body parser for every form the dashboard posts. */
  form: RequestHandler;
  guards: SessionGuards;
}
