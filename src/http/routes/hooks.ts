import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { LoopPauseError } from '../../domain/errors.js';
import type { ToolCallAnswer, ToolCallSource } from '../../domain/tool-calls.js';
import { parseInput } from '../../domain/validation.js';
import { HOOK_ADAPTERS, type HookAdapter, MAX_HOOK_BODY_BYTES } from '../../hooks/index.js';
import { failureOf } from '../../hooks/verdict.js';
import { toClientError } from '../errors.js';

/** The engine that judges a tool call (ApprovalService.toolCall): the composition root passes it in. */
export type JudgeToolCall = (
  agentId: string,
  body: unknown,
  options: { source: ToolCallSource; waitSeconds: number; signal?: AbortSignal },
) => Promise<ToolCallAnswer>;

export interface HooksOptions {
  toolCall: JudgeToolCall;
  /** How long a hook may hold for a human (LOOPPAUSE_HOOK_WAIT_SECONDS): the default, and the cap of `?wait=`. */
  maxWaitSeconds: number;
}

export interface HooksRouterOptions extends HooksOptions {
  authenticate: RequestHandler;
  limit: RequestHandler;
  logger: Logger;
}

const waitQuery = z.looseObject({
  wait: z.coerce
    .number({ error: 'must be a number of seconds' })
    .min(0, 'must be at least 0')
    .refine(Number.isFinite, 'must be a number of seconds')
    .optional(),
});

/**
 * `POST /v1/hooks/claude-code` and `POST /v1/hooks/cursor`: each agent's hook input in, its hook
 * output out. An agent takes any HTTP error or lost connection as "no decision" and runs the tool
 * (Claude Code's HTTP hooks fail open), so every answer on these paths is HTTP 200 in the agent's
 * own format, and every failure — bad JSON, an unknown event, a bad field, a body too large, a
 * missing or bad API key, the rate limit, an engine error — is a deny that says why.
 */
export function hooksRouter(options: HooksRouterOptions): Router {
  const router = Router();
  const body = express.json({ limit: MAX_HOOK_BODY_BYTES, type: () => true });
  router.use(answerHookFailures);
  for (const adapter of HOOK_ADAPTERS) {
    const path = `/${adapter.agent}`;
    // The key is checked before the body is read: an anonymous body is read only as far as
    // `sniffEvent` needs, for the shape of its deny.
    router.use(path, options.authenticate, body, options.limit);
    router.post(path, judge(adapter, options, options.logger));
    router.use(path, failuresAsDeny(options.logger));
  }
  return router;
}

/**
 * Under /v1/hooks/<agent>, from here on an error answer (a 4xx or 5xx JSON error from the host
 * check, authentication, the body parser or the rate limit) goes out as HTTP 200 with that agent's
 * deny, carrying the error's message. Mounted ahead of the host check too (see http/app.ts).
 */
export const answerHookFailures: RequestHandler = (req, res, next) => {
  // Express matches paths case-insensitively: /Claude-Code is the same route, and must fail closed too.
  const agent = (req.path.split('/')[1] ?? '').toLowerCase();
  const adapter = HOOK_ADAPTERS.find((a) => a.agent === agent);
  if (adapter === undefined || res.locals.hookAdapter !== undefined) {
    next();
    return;
  }
  res.locals.hookAdapter = adapter.agent;
  answerFailuresAs(adapter, req, res);
  next();
};

function answerFailuresAs(adapter: HookAdapter, req: Request, res: Response): void {
  const send = res.json.bind(res);
  res.json = (payload: unknown) => {
    if (res.statusCode < 300) return send(payload);
    res.status(200);
    res.removeHeader('Retry-After');
    const answer = (body: unknown) => {
      const event = adapter.eventOf(body);
      return send(adapter.answer(event, failureOf(errorIn(payload), adapter, event)));
    };
    // Refused before the body parser ran (the host check, the key): its first bytes name the event.
    if (req.body === undefined && !req.readableEnded && req.readable) {
      // What is left unread is not drained: the connection closes with the answer.
      res.setHeader('Connection', 'close');
      sniffEvent(req).then(answer, () => answer(undefined));
      return res;
    }
    return answer(req.body);
  };
}

/** How much of an unauthenticated hook body is read: enough for `hook_event_name`, which agents send first. */
const SNIFF_BYTES = 8192;
const EVENT_NAME = /"hook_event_name"\s*:\s*"([A-Za-z]{1,40})"/;

/**
 * `{hook_event_name}` as the first SNIFF_BYTES of the body give it, without parsing more: a refused
 * request is answered in the shape of its event (a PermissionRequest's deny, not a PreToolUse's)
 * without the service reading, let alone parsing, what an anonymous caller sends.
 */
function sniffEvent(req: Request): Promise<unknown> {
  return new Promise((resolve) => {
    let seen = '';
    const done = () => {
      req.off('data', onData);
      req.off('end', done);
      req.off('error', done);
      req.pause();
      const name = EVENT_NAME.exec(seen)?.[1];
      resolve(name === undefined ? undefined : { hook_event_name: name });
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.length >= SNIFF_BYTES || EVENT_NAME.test(seen)) done();
    };
    req.on('data', onData);
    req.once('end', done);
    req.once('error', done);
  });
}

/** The LoopPauseError an error body (`{error: {code, message, field}}`) describes. */
function errorIn(payload: unknown): LoopPauseError {
  const error = (payload as { error?: { message?: unknown; field?: unknown } } | null)?.error;
  const message = typeof error?.message === 'string' ? error.message : 'the request could not be answered';
  const field = typeof error?.field === 'string' ? error.field : undefined;
  return new LoopPauseError('invalid_argument', message, field);
}

function judge(adapter: HookAdapter, options: HooksOptions, logger: Logger): RequestHandler {
  return async (req, res) => {
    const event = adapter.eventOf(req.body);
    try {
      const request = adapter.read(req.body);
      const { wait } = parseInput(waitQuery, req.query);
      const waitSeconds = Math.min(wait ?? options.maxWaitSeconds, options.maxWaitSeconds);
      const answer = await options.toolCall(res.locals.agentId as string, request.call, {
        source: adapter.agent,
        waitSeconds,
        signal: abortOnClose(res),
      });
      res.json(adapter.answer(request.event, answer));
    } catch (error) {
      res.status(200).json(adapter.answer(event, failureOf(toClientError(error, logger), adapter, event)));
    }
  };
}

/** Errors passed to `next` (the body parser's): answered through {@link answerFailuresAs}, never as HTML. */
function failuresAsDeny(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const tooLarge = (error as { status?: unknown } | null)?.status === 413;
    const client = tooLarge
      ? new LoopPauseError('payload_too_large', `the hook input is larger than ${MAX_HOOK_BODY_BYTES} bytes`)
      : toClientError(error, logger);
    res
      .status(client.code === 'internal' ? 500 : 400)
      .json({ error: { message: client.message, field: client.field } });
  };
}

/** Aborts the engine's wait when the agent goes away. */
function abortOnClose(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  return controller.signal;
}
