import {
  App,
  type Authorize,
  ExpressReceiver,
  HTTPModuleFunctions,
  type ReceiverProcessEventErrorHandlerArgs,
  SocketModeReceiver,
} from '@slack/bolt';
import { type RetryOptions, WebClient } from '@slack/web-api';
import { Router } from 'express';
import type { Logger } from 'pino';
import type { SlackConfig } from '../config.js';
import { SlackConnection, type SlackRetry, type SlackSocket } from './connection.js';
import { slackErrorSummary } from './errors.js';
import { IdentityResolver } from './identity.js';
import { slackLogger } from './logger.js';

/**
 * The WebClient's own retries: Retry-After is honoured on 429, and then the failure is final
 * (bounded so a job's lease is never outlived; the job runner retries other failures later).
 */
const DEFAULT_RETRY: RetryOptions = {
  retries: 3,
  factor: 2,
  minTimeout: 500,
  maxTimeout: 5000,
  randomize: true,
};

/**
 * Per Web API call. With the retries above a hung Slack costs at most 4 × 10 s plus backoff, under
 * the default 60 s job lease, so no other replica takes the job over while this one still tries.
 */
const DEFAULT_TIMEOUT_MS = 10_000;

export interface SlackAppOptions {
  retryConfig?: RetryOptions;
  timeoutMs?: number;
  /** The backoff between attempts to reach Slack (the token check, the Socket Mode connection). */
  connectRetry?: SlackRetry;
}

export interface SlackApp {
  app: App;
  /** The bot's client for listeners' replies and modals. */
  client: WebClient;
  /**
   * Each WebClient pauses its whole queue for a 429's Retry-After, so work that an agent can drive
   * gets its own: job posts and updates on one, membership and identity lookups on another, which
   * fails at once when rate-limited (the click is refused, "try again") instead of waiting.
   */
  jobClient: WebClient;
  lookupClient: WebClient;
  /** HTTP mode: Bolt's router, serving POST /slack/events. Absent in Socket Mode. */
  receiver?: ExpressReceiver;
  /**
   * Reaching Slack in the background: the token check and, in Socket Mode, the WebSocket. main
   * starts and closes it; nothing else waits for it.
   */
  connection: SlackConnection;
}

/** The Slack app and the identity directory over its lookup client, built once by the composition root. */
export interface SlackParts extends SlackApp {
  /** Shared by the Slack surface (who clicked) and the service (linking voters to named people). */
  identity: IdentityResolver;
  /** The Slack surface's own logger. */
  logger: Logger;
}

export function createSlack(config: SlackConfig, logger: Logger, options: SlackAppOptions = {}): SlackParts {
  const log = logger.child({ surface: 'slack' });
  const slack = createSlackApp(config, log, options);
  return { ...slack, identity: new IdentityResolver(slack.lookupClient, log), logger: log };
}

/**
 * Bolt on an ExpressReceiver (HTTP) or in Socket Mode when an app token is set. Bolt is given an
 * `authorize` rather than the token: with a token its constructor calls auth.test at once and
 * nobody can catch the failure (a bad token or an unreachable Slack would end the process).
 * Checking the token is the connection's job; events are handled with the token meanwhile.
 */
export function createSlackApp(config: SlackConfig, logger: Logger, options: SlackAppOptions = {}): SlackApp {
  const log = slackLogger(logger);
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const apiUrl = config.apiUrl ? { slackApiUrl: config.apiUrl } : {};
  const clientOptions = {
    logger: log,
    retryConfig: options.retryConfig ?? DEFAULT_RETRY,
    timeout,
    ...apiUrl,
  };
  const client = new WebClient(config.botToken, clientOptions);
  const jobClient = new WebClient(config.botToken, clientOptions);
  const lookupClient = new WebClient(config.botToken, { ...clientOptions, rejectRateLimitedCalls: true });
  // The connection's own calls: no retries of the client's (its backoff is the retry), and quiet
  // (it says once what is wrong instead of a warning per attempt).
  const quiet = slackLogger(logger, { quiet: true });
  const checkClient = new WebClient(config.botToken, {
    logger: quiet,
    retryConfig: { retries: 0 },
    timeout,
    ...apiUrl,
  });
  let connection: SlackConnection;
  const authorize: Authorize<boolean> = async () => ({ botToken: config.botToken, ...connection.botIds() });
  let app: App;
  let receiver: ExpressReceiver | undefined;
  let socket: SlackSocket | undefined;
  if (config.appToken) {
    // No reconnecting of its own: a failed reconnect there is an unhandled rejection. The connection reconnects.
    const socketReceiver = new SocketModeReceiver({
      appToken: config.appToken,
      logger: quiet,
      autoReconnectEnabled: false,
      installerOptions: { clientOptions: { retryConfig: { retries: 0 }, timeout, ...apiUrl } },
    });
    socket = {
      start: () => socketReceiver.start(),
      stop: () => socketReceiver.stop(),
      onDisconnected: (listener) => {
        socketReceiver.client.on('disconnected', listener);
      },
    };
    app = new App({ authorize, receiver: socketReceiver, logger: log, clientOptions });
  } else {
    receiver = new ExpressReceiver({
      signingSecret: config.signingSecret,
      endpoints: SLACK_EVENTS_PATH,
      router: unsignedRefusedUnread(),
      bodyLimit: SLACK_BODY_LIMIT_BYTES,
      logger: log,
      processBeforeResponse: false,
      processEventErrorHandler: badBodyIs400,
    });
    app = new App({ authorize, receiver, logger: log, clientOptions });
  }
  connection = new SlackConnection({
    client: checkClient,
    logger: logger.child({ component: 'slack' }),
    apiUrl: config.apiUrl,
    socket,
    retry: options.connectRetry,
  });
  app.error(async (error) => {
    logger.warn({ component: 'slack', err: slackErrorSummary(error) }, 'Slack listener failed');
  });
  return { app, client, jobClient, lookupClient, ...(receiver ? { receiver } : {}), connection };
}

const SLACK_EVENTS_PATH = '/slack/events';

/** Slack's own payloads are far smaller; every other route of ours takes 256 KB too. */
export const SLACK_BODY_LIMIT_BYTES = 256 * 1024;

/** How old a Slack signature may be (Slack's own advice, and Bolt's check). */
const SIGNATURE_MAX_AGE_S = 300;

/**
 * Runs before Bolt reads a byte of the body: a request without a well-formed Slack signature and a
 * fresh timestamp cannot be from Slack, so it is refused (401) unread, and a declared body over the
 * limit gets 413 at once. Bolt then reads at most the limit and verifies the signature itself.
 */
function unsignedRefusedUnread(nowMs: () => number = Date.now): Router {
  const router = Router();
  router.post(SLACK_EVENTS_PATH, (req, res, next) => {
    const signature = req.headers['x-slack-signature'];
    const timestamp = req.headers['x-slack-request-timestamp'];
    const fresh =
      typeof timestamp === 'string' &&
      /^\d{1,12}$/.test(timestamp) &&
      Math.abs(nowMs() / 1000 - Number(timestamp)) <= SIGNATURE_MAX_AGE_S;
    if (typeof signature !== 'string' || !/^v0=[0-9a-f]{64}$/.test(signature) || !fresh) {
      res.status(401).setHeader('Connection', 'close').end();
      return;
    }
    if (Number(req.headers['content-length'] ?? 0) > SLACK_BODY_LIMIT_BYTES) {
      res.status(413).setHeader('Connection', 'close').end();
      return;
    }
    next();
  });
  return router;
}

/**
 * A correctly signed body Bolt cannot route (`null`, a number, an array) throws inside Bolt
 * before any listener runs: that is bad input, so 400, not Bolt's default 500.
 */
async function badBodyIs400(args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  const body = (args.request as { body?: unknown }).body;
  if ((body === null || typeof body !== 'object' || Array.isArray(body)) && !args.response.headersSent) {
    args.logger.warn('Slack request with a body that is not an object');
    args.response.writeHead(400).end();
    return false;
  }
  return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
}
