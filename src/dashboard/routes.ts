import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../config.js';
import { hasVoted, identityCheck, voteNoticeText, voterKeys } from '../domain/approvals/index.js';
import { LoopPauseError } from '../domain/errors.js';
import { newSecretToken, PAUSE_ID_PATTERN } from '../domain/ids.js';
import type { Pause } from '../domain/pause.js';
import { HUMAN_RULE } from '../domain/schemas.js';
import type { ApiKeyAuth } from '../http/auth.js';
import { toClientError } from '../http/errors.js';
import type { DashboardSession, DashboardSessions } from '../store/ports/sessions.js';
import type { Store } from '../store/store.js';
import { type ApiKeyDeps, mintApiKey, revokeApiKey } from '../use-cases/api-keys.js';
import type { ApprovalService } from '../use-cases/approval-service.js';
import type { PolicySource } from '../use-cases/policy-gate.js';
import { decideFormSchema } from '../web/decide-form.js';
import { errorPage } from '../web/error-page.js';
import { html } from '../web/html.js';
import { sameOrigin } from '../web/same-origin.js';
import type { WebhookAdmin } from '../webhook/admin.js';
import { type DashboardAccess, mayDecideOnWeb, maySee, type Viewer } from './access.js';
import { CLIENT_JS } from './client.js';
import { CursorSeal } from './cursor-seal.js';
import {
  type HistoryParams,
  historyCsvHeader,
  historyCsvRow,
  historyJsonLine,
  parseHistoryQuery,
  readHistory,
} from './history.js';
import { LINK_TTL_MS, type SignInLinks } from './links.js';
import type { LiveEvents } from './live.js';
import {
  clearCookie,
  dashboardKey,
  mac,
  nonceOf,
  PRE_COOKIE,
  readCookie,
  SECRET_PATTERN,
  SESSION_COOKIE,
  secretHash,
  securityHeaders,
  setCookie,
  tokenMatches,
} from './security.js';
import { countLinkAsk } from './sign-in-limits.js';
import {
  type Chrome,
  historyPage,
  keyRowsFrom,
  keysPage,
  linkConfirmPage,
  messagePage,
  pausePage,
  policyPage,
  signInPage,
  type TimelineEntry,
  type WaitingItem,
  waitingPage,
} from './views.js';
import { parseWaitingCursor, readWaiting, waitingCursorText } from './waiting.js';
import { registerWebhookPages } from './webhooks.js';

export const SESSION_IDLE_MS = 12 * 3_600_000;
export const SESSION_MAX_MS = 7 * 24 * 3_600_000;
/** Store reads one export may make (each up to a history page's scan). */
const EXPORT_MAX_ROUNDS = 200;
/** For a viewer who is not an admin each read may scan many pauses to find theirs. */
const EXPORT_MAX_ROUNDS_OTHERS = 10;
const EXPORT_MAX = 100_000;

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
  live: LiveEvents;
  /** The webhook surface's admin rules, when webhooks are wired. */
  webhookAdmin?: WebhookAdmin;
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

interface Signed {
  viewer: Viewer;
  session: DashboardSession;
  idHash: string;
}

const FLASH: Record<string, { kind: 'ok' | 'error'; text: string }> = {
  decided: { kind: 'ok', text: 'Decided. The agent has been told.' },
  counted: { kind: 'ok', text: 'Your approval is counted; the request stays open until enough people approve.' },
  already_final: { kind: 'error', text: 'Someone decided this request first; nothing changed.' },
  signed_in: { kind: 'ok', text: 'Signed in.' },
};

/** `/dashboard`: sign-in by one-time link, sessions in the store, the pages, live events. */
export function dashboardRouter(deps: DashboardDeps): Router {
  const { config, service, store, sessions, access, logger } = deps;
  const key = dashboardKey(config.signingSecret);
  const cursors = new CursorSeal(key);
  const router = Router();
  router.use(securityHeaders);
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 60 });

  const chrome = (res: Response, signed?: Signed): Chrome => ({
    nonce: nonceOf(res),
    ...(signed ? { viewer: signed.viewer, csrf: signed.session.csrf } : {}),
  });
  const page = (res: Response, status: number, body: string) => {
    res.status(status).type('html').send(body);
  };
  const message = (res: Response, status: number, title: string, line: string, signed?: Signed) =>
    page(
      res,
      status,
      messagePage(
        chrome(res, signed),
        title,
        line,
        signed ? undefined : { href: '/dashboard/signin', label: 'Sign in' },
      ),
    );

  /** The session behind the cookie, its viewer asked afresh of the policy; undefined when signed out. */
  const signedIn = async (req: Request, res: Response): Promise<Signed | undefined> => {
    const id = readCookie(req, SESSION_COOKIE);
    if (!id || !SECRET_PATTERN.test(id)) return undefined;
    const idHash = secretHash(id);
    const session = await sessions.touchSession(idHash, SESSION_IDLE_MS, service.now());
    if (!session) return undefined;
    const viewer = access.viewer(session.email, session.slack);
    if (!viewer || service.now() - session.created_at > SESSION_MAX_MS) {
      await sessions.deleteSession(idHash);
      clearCookie(res, SESSION_COOKIE, config.publicUrl);
      return undefined;
    }
    return { viewer, session, idHash };
  };

  const requireSignIn: RequestHandler = async (req, res, next) => {
    const signed = await signedIn(req, res);
    if (!signed) {
      if (req.method === 'GET' && req.accepts('html') && !req.path.startsWith('/events')) {
        res.redirect(303, '/dashboard/signin');
        return;
      }
      message(res, 401, 'Signed out', 'Your session has ended. Sign in again.');
      return;
    }
    res.locals.signed = signed;
    next();
  };
  const signedOf = (res: Response) => res.locals.signed as Signed;
  const requireAdmin: RequestHandler = (_req, res, next) => {
    const signed = signedOf(res);
    if (!signed.viewer.admin) return message(res, 403, 'Admins only', 'This page is for LoopPause admins.', signed);
    next();
  };
  /** Every POST: same origin, then the session's CSRF token, checked in constant time. */
  const checkPost: RequestHandler = (req, res, next) => {
    const signed = signedOf(res);
    if (!sameOrigin(req, config.publicUrl)) {
      return message(res, 403, 'Refused', 'This form was not sent from a LoopPause page.', signed);
    }
    if (!tokenMatches((req.body as Record<string, unknown> | undefined)?.csrf, signed.session.csrf)) {
      return message(
        res,
        403,
        'Refused',
        'This form is stale or did not come from this session. Reload the page and try again.',
        signed,
      );
    }
    next();
  };

  router.get('/app.js', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/javascript').send(CLIENT_JS);
  });

  router.get('/', async (req, res) => {
    res.redirect(303, (await signedIn(req, res)) ? '/dashboard/waiting' : '/dashboard/signin');
  });

  // Sign-in: ask for a link

  const preToken = (req: Request, res: Response): string => {
    let pre = readCookie(req, PRE_COOKIE);
    if (!pre || !SECRET_PATTERN.test(pre)) {
      pre = newSecretToken();
      setCookie(res, PRE_COOKIE, pre, config.publicUrl, LINK_TTL_MS * 4);
    }
    return mac(key, 'signin-form', pre);
  };

  router.get('/signin', async (req, res) => {
    if (await signedIn(req, res)) return res.redirect(303, '/dashboard/waiting');
    const notice = req.query.why === 'signed_out' ? { kind: 'ok' as const, text: 'Signed out.' } : undefined;
    page(res, 200, signInPage(chrome(res), preToken(req, res), notice));
  });

  router.post('/signin', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const pre = readCookie(req, PRE_COOKIE);
    if (!sameOrigin(req, config.publicUrl) || !pre || !tokenMatches(body.csrf, mac(key, 'signin-form', pre))) {
      return message(res, 403, 'Refused', 'This form did not come from the LoopPause sign-in page. Open it again.');
    }
    const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : '';
    if (!/^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,63}$/.test(email)) {
      return page(
        res,
        400,
        signInPage(chrome(res), preToken(req, res), { kind: 'error', text: 'Enter an e-mail address.' }),
      );
    }
    const asked = await countLinkAsk(store, email, req.ip ?? 'unknown', service.now());
    if (asked.outcome === 'refused') {
      res.setHeader('Retry-After', String(Math.ceil(asked.retryAfterMs / 1000)));
      return message(
        res,
        429,
        'Too many requests',
        'Too many sign-in links were asked for from here. Try again in a few minutes.',
      );
    }
    // The same answer whoever asks: an unknown address learns nothing and gets nothing.
    const link = asked.outcome === 'send' ? await deps.links.issue(email) : undefined;
    if (link) {
      void sendLinkMail(deps, email, link).catch((error: unknown) =>
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'dashboard sign-in e-mail failed'),
      );
    } else {
      logger.info({ limited: asked.outcome === 'quiet' }, 'dashboard sign-in link not sent');
    }
    page(
      res,
      200,
      signInPage(chrome(res), preToken(req, res), {
        kind: 'ok',
        text: 'If that address may sign in, a link is on its way. It works once, for 15 minutes; any unused link sent to you in that time works too.',
      }),
    );
  });

  // Sign-in: use the link (SIGN_IN_LINK_PATH, whose token the log never shows). GET only shows a
  // button (mail scanners prefetch links); POST signs in.

  router.get('/signin/:token', (req, res) => {
    const token = String(req.params.token);
    if (!SECRET_PATTERN.test(token)) return message(res, 404, 'Unknown link', 'This sign-in link is not valid.');
    page(res, 200, linkConfirmPage(chrome(res), mac(key, 'signin-link', token)));
  });

  router.post('/signin/:token', form, async (req, res) => {
    const token = String(req.params.token);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!SECRET_PATTERN.test(token)) return message(res, 404, 'Unknown link', 'This sign-in link is not valid.');
    if (!sameOrigin(req, config.publicUrl) || !tokenMatches(body.form_key, mac(key, 'signin-link', token))) {
      return message(res, 403, 'Refused', 'This form did not come from the sign-in link. Open the link again.');
    }
    const now = service.now();
    const link = await sessions.takeSignInToken(secretHash(token), now);
    if (!link) {
      return message(
        res,
        410,
        'Link used or expired',
        'This sign-in link was used already or has expired. Ask for a new one.',
      );
    }
    const viewer = access.viewer(link.email, link.slack);
    if (!viewer) return message(res, 403, 'Not allowed', 'This address may no longer sign in to LoopPause.');
    // Rotate: whatever session this browser had ends; a fresh id is issued.
    const old = readCookie(req, SESSION_COOKIE);
    if (old) await sessions.deleteSession(secretHash(old));
    const id = newSecretToken();
    const session: DashboardSession = {
      email: viewer.email,
      ...(link.slack ? { slack: link.slack } : {}),
      csrf: newSecretToken(),
      created_at: now,
    };
    await sessions.putSession(secretHash(id), session, SESSION_IDLE_MS, now);
    setCookie(res, SESSION_COOKIE, id, config.publicUrl);
    clearCookie(res, PRE_COOKIE, config.publicUrl);
    await audit(deps, {
      type: 'dashboard.signed_in',
      actor: `dashboard:${viewer.email}`,
      data: { via: link.slack ? 'slack' : 'email' },
    });
    res.redirect(303, '/dashboard/waiting?done=signed_in');
  });

  router.post('/signout', form, requireSignIn, checkPost, async (_req, res) => {
    await sessions.deleteSession(signedOf(res).idHash);
    clearCookie(res, SESSION_COOKIE, config.publicUrl);
    res.redirect(303, '/dashboard/signin?why=signed_out');
  });

  // Live events

  router.get('/events', requireSignIn, (req, res) => deps.live.stream(req, res, signedOf(res).viewer));

  // Waiting for me

  router.get('/waiting', requireSignIn, async (req, res) => {
    const signed = signedOf(res);
    const sealed = req.query.cursor;
    const opened = typeof sealed === 'string' && sealed !== '' ? cursors.open('waiting', sealed) : undefined;
    const from = opened === undefined ? undefined : parseWaitingCursor(opened);
    if (sealed !== undefined && sealed !== '' && !from) {
      return message(res, 400, 'Bad link', 'cursor: not a cursor from this page', signed);
    }
    const now = service.now();
    const read = await readWaiting(store, signed.viewer, now, from);
    const items: WaitingItem[] = read.items.map(({ pause, open }) => {
      const standing = standingOf(pause, signed.viewer);
      return { pause, ...(open ? { open } : {}), ...(standing ? { standing } : {}) };
    });
    const flash = FLASH[String(req.query.done)];
    page(
      res,
      200,
      waitingPage(chrome(res, signed), {
        items,
        csrf: signed.session.csrf,
        nowMs: now,
        nextCursor: read.next ? cursors.seal('waiting', waitingCursorText(read.next)) : null,
        first: from === undefined,
        ...(flash ? { flash } : {}),
      }),
    );
  });

  // A pause

  const loadVisible = async (req: Request, res: Response): Promise<Pause | undefined> => {
    const id = String(req.params.id);
    const pause = PAUSE_ID_PATTERN.test(id) ? await service.get(id) : null;
    if (!pause || !maySee(pause, signedOf(res).viewer, service.now())) {
      message(res, 404, 'Not found', 'No such request, or it is not one you may see.', signedOf(res));
      return undefined;
    }
    return pause;
  };

  const renderPause = async (
    res: Response,
    status: number,
    pause: Pause,
    extra: {
      values?: { comment: string; fields: Record<string, string> };
      errors?: string[];
      flash?: { kind: 'ok' | 'error'; text: string };
    } = {},
  ) => {
    const signed = signedOf(res);
    const now = service.now();
    const canDecide = pause.status === 'pending' && mayDecideOnWeb(pause, signed.viewer, now);
    const standing = canDecide ? standingOf(pause, signed.viewer) : undefined;
    page(
      res,
      status,
      pausePage(chrome(res, signed), {
        pause,
        timeline: await timelineOf(deps, pause.pause_id),
        nowMs: now,
        ...(canDecide && !standing
          ? {
              form: {
                csrf: signed.session.csrf,
                ...(extra.values ? { values: extra.values } : {}),
                ...(extra.errors ? { errors: extra.errors } : {}),
              },
            }
          : {}),
        ...(standing ? { standing } : {}),
        ...(extra.flash ? { flash: extra.flash } : {}),
      }),
    );
  };

  router.get('/pauses/:id', requireSignIn, async (req, res) => {
    const pause = await loadVisible(req, res);
    if (!pause) return;
    const flash = FLASH[String(req.query.done)];
    await renderPause(res, 200, pause, flash ? { flash } : {});
  });

  router.post('/pauses/:id/decide', form, requireSignIn, checkPost, async (req, res) => {
    const pause = await loadVisible(req, res);
    if (!pause) return;
    const signed = signedOf(res);
    const viewer = signed.viewer;
    const notApprover = () =>
      message(
        res,
        403,
        'Not an approver',
        `${viewer.email} is not among the people who may decide this request.`,
        signed,
      );
    if (pause.status !== 'pending') return res.redirect(303, `/dashboard/pauses/${pause.pause_id}?done=already_final`);
    if (!mayDecideOnWeb(pause, viewer, service.now())) return notApprover();
    const fields = pause.request.response_fields ?? [];
    const parsed = decideSchema(fields.map((f) => f.name)).safeParse(req.body ?? {});
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => `${String(i.path[0] ?? 'form')}: ${i.message}`);
      return renderPause(res, 400, pause, { errors });
    }
    const answers: Record<string, string> = Object.create(null);
    for (const f of fields) answers[f.name] = parsed.data[`field_${f.name}`] ?? '';
    const result = await service.decide(pause.pause_id, {
      decision: parsed.data.decision,
      comment: parsed.data.comment.trim(),
      fields: { ...answers },
      responder: viewer.email,
      channel: 'web',
      identities: viewer.identities,
    });
    logger.info({ pause_id: pause.pause_id, outcome: result.outcome, by: viewer.email }, 'dashboard decision');
    const back = parsed.data.back === 'waiting' ? '/dashboard/waiting' : `/dashboard/pauses/${pause.pause_id}`;
    switch (result.outcome) {
      case 'decided':
      case 'counted':
      case 'already_final':
        return res.redirect(303, `${back}?done=${result.outcome}`);
      case 'already_voted':
        return renderPause(res, 409, result.pause, {
          flash: { kind: 'error', text: voteNoticeText('already_voted', result.pause) },
        });
      case 'owner':
      case 'unverifiable':
        return renderPause(res, 403, result.pause, {
          flash: { kind: 'error', text: voteNoticeText(result.outcome, result.pause) },
        });
      case 'not_approver':
        return notApprover();
      case 'missing_fields': {
        const labels = result.fields.map(
          (name) => `${fields.find((f) => f.name === name)?.label ?? name}: is required to approve`,
        );
        return renderPause(res, 422, result.pause, {
          errors: labels,
          values: { comment: parsed.data.comment, fields: answers },
        });
      }
    }
  });

  // History and its exports

  /** The filters, the cursor opened back into the store's own (sealed: it may stop at a pause the viewer may not see). */
  const history = (req: Request, res: Response): HistoryParams | undefined => {
    const refuse = (why: string) => {
      message(res, 400, 'Bad filter', why, signedOf(res));
      return undefined;
    };
    const parsed = parseHistoryQuery(req.query);
    if (!parsed.ok) return refuse(parsed.error);
    const sealed = parsed.params.query.cursor;
    if (sealed === undefined) return parsed.params;
    const cursor = cursors.open('history', sealed);
    if (cursor === undefined) return refuse('cursor: not a cursor from this page');
    return { ...parsed.params, query: { ...parsed.params.query, cursor } };
  };

  router.get('/history', requireSignIn, async (req, res) => {
    const params = history(req, res);
    if (!params) return;
    const signed = signedOf(res);
    const pageOf = await readHistory(store, params, signed.viewer, service.now(), 50);
    page(
      res,
      200,
      historyPage(chrome(res, signed), {
        items: pageOf.items,
        filters: params.filters,
        nextCursor: pageOf.next_cursor === null ? null : cursors.seal('history', pageOf.next_cursor),
        nowMs: service.now(),
        exportQuery: params.filterQuery,
        first: params.query.cursor === undefined,
      }),
    );
  });

  const exporter =
    (kind: 'csv' | 'jsonl'): RequestHandler =>
    async (req, res) => {
      const params = history(req, res);
      if (!params) return;
      const signed = signedOf(res);
      res.status(200);
      res.setHeader('Content-Type', kind === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="looppause-history.${kind}"`);
      if (kind === 'csv') res.write(historyCsvHeader());
      let cursor = params.query.cursor;
      let written = 0;
      // Bounded by what is read, not only by what is written: a viewer who may see little cannot
      // make one export walk all history. Writes wait for the socket (backpressure).
      let rounds = 0;
      do {
        const batch = await readHistory(
          store,
          { ...params, query: { ...params.query, ...(cursor ? { cursor } : {}) } },
          signed.viewer,
          service.now(),
          500,
        );
        const chunk = batch.items
          .map((pause) => (kind === 'csv' ? historyCsvRow(pause) : historyJsonLine(pause)))
          .join('');
        if (chunk && !res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
        written += batch.items.length;
        cursor = batch.next_cursor ?? undefined;
        rounds += 1;
      } while (
        cursor &&
        written < EXPORT_MAX &&
        rounds < (signed.viewer.admin ? EXPORT_MAX_ROUNDS : EXPORT_MAX_ROUNDS_OTHERS) &&
        !res.destroyed
      );
      res.end();
    };
  router.get('/history.csv', requireSignIn, exporter('csv'));
  router.get('/history.jsonl', requireSignIn, exporter('jsonl'));

  // Admin: API keys

  const renderKeys = async (res: Response, status: number, extra: Partial<Parameters<typeof keysPage>[1]>) => {
    const signed = signedOf(res);
    const keys = keyRowsFrom(await store.listApiKeys(), config.apiKeys);
    page(res, status, keysPage(chrome(res, signed), { keys, csrf: signed.session.csrf, ...extra }));
  };

  router.get('/keys', requireSignIn, requireAdmin, async (_req, res) => renderKeys(res, 200, {}));

  const keyDeps: ApiKeyDeps = {
    store,
    configured: config.apiKeys,
    now: service.now,
    onAuditError: (error, entry) =>
      logger.warn(
        { err: error instanceof Error ? error.message : String(error), type: entry.type },
        'audit append failed',
      ),
    ...(deps.auth ? { forget: (name: string) => deps.auth?.forget(name) } : {}),
  };

  router.post('/keys', form, requireSignIn, requireAdmin, checkPost, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    const owner = typeof body.owner === 'string' ? body.owner.trim() : '';
    const by = signedOf(res).viewer.email;
    const minted = await mintApiKey(keyDeps, {
      name,
      owner: owner === '' ? undefined : owner,
      admin: body.admin === 'yes',
      actor: `dashboard:${by}`,
    });
    const refuse = (status: number, text: string) => renderKeys(res, status, { flash: { kind: 'error', text } });
    switch (minted.outcome) {
      case 'bad_name':
        return refuse(400, 'Name: 1–64 letters, digits, ., _ or -.');
      case 'bad_owner':
        return refuse(400, `Owner: ${HUMAN_RULE}.`);
      case 'configured':
        return refuse(400, `${name} is a key set in LOOPPAUSE_API_KEYS; pick another name.`);
      case 'exists':
        return refuse(409, `A key named ${name} exists; revoke it first.`);
      case 'created':
        logger.info({ name, by }, 'API key created from the dashboard');
        return renderKeys(res, 201, { created: { name, key: minted.key } });
    }
  });

  router.post('/keys/revoke', form, requireSignIn, requireAdmin, checkPost, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name : '';
    const by = signedOf(res).viewer.email;
    const { outcome } = await revokeApiKey(keyDeps, { name, actor: `dashboard:${by}` });
    if (outcome === 'bad_name') return renderKeys(res, 400, { flash: { kind: 'error', text: 'No such key.' } });
    // This replica forgot the key at once (keyDeps.forget); others do within their cache's 5 s.
    if (outcome === 'revoked') logger.info({ name, by }, 'API key revoked from the dashboard');
    await renderKeys(res, outcome === 'revoked' ? 200 : 404, {
      flash:
        outcome === 'revoked'
          ? { kind: 'ok', text: `Revoked ${name}. It stops working here at once, on other replicas within 5 seconds.` }
          : { kind: 'error', text: `No key named ${name}.` },
    });
  });

  // Admin: policy

  const policyView = () => {
    const p = deps.policy?.current();
    if (!p) return undefined;
    return {
      digest: p.digest,
      agentRouting: p.agentRouting,
      admins: p.admins,
      groups: p.groups,
      rules: p.rules.map((r) => ({ name: r.name, when: r.when, effect: r.effect })),
    };
  };

  router.get('/policy', requireSignIn, requireAdmin, (_req, res) => {
    const signed = signedOf(res);
    const policy = policyView();
    page(res, 200, policyPage(chrome(res, signed), { csrf: signed.session.csrf, ...(policy ? { policy } : {}) }));
  });

  router.post('/policy/explain', form, requireSignIn, requireAdmin, checkPost, (req, res) => {
    const signed = signedOf(res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 20_000) : '');
    const input = { agent: text(body.agent), action: text(body.action), details: text(body.details) || '{}' };
    const policy = policyView();
    let outcome: ReturnType<ApprovalService['explainPolicy']> | undefined;
    let error: string | undefined;
    try {
      let details: unknown;
      try {
        details = JSON.parse(input.details);
      } catch {
        throw new LoopPauseError(
          'invalid_argument',
          'Details: must be a JSON object of strings, e.g. {"amount": "40"}',
        );
      }
      outcome = service.explainPolicy({ agent: input.agent, action: input.action, details });
    } catch (e) {
      if (!(e instanceof LoopPauseError)) throw e;
      error = e.message;
    }
    page(
      res,
      error ? 400 : 200,
      policyPage(chrome(res, signed), {
        csrf: signed.session.csrf,
        ...(policy ? { policy } : {}),
        explain: { ...input, ...(outcome ? { outcome } : {}), ...(error ? { error } : {}) },
      }),
    );
  });

  registerWebhookPages(router, {
    admin: deps.webhookAdmin,
    guards: [requireSignIn, requireAdmin],
    postGuards: [form, requireSignIn, requireAdmin, checkPost],
    chrome: (res) => chrome(res, signedOf(res)),
    csrf: (res) => signedOf(res).session.csrf,
    actor: (res) => `dashboard:${signedOf(res).viewer.email}`,
  });

  router.use((_req, res) => message(res, 404, 'Not found', 'There is no such dashboard page.'));
  router.use(pageErrors(logger));
  return router;
}

/** The shared decide form, and where to go back to after it. */
const decideSchema = (fieldNames: string[]) =>
  decideFormSchema<{ back?: 'waiting' | 'pause' }>(fieldNames, {
    extra: { back: z.enum(['waiting', 'pause']).optional() },
  });

/** Why this viewer gets no form on a pending pause they may decide: they voted already, or maker-checker. */
function standingOf(pause: Pause, viewer: Viewer): string | undefined {
  if (hasVoted(pause.votes ?? [], voterKeys(viewer.identities))) return voteNoticeText('already_voted', pause);
  const maker = identityCheck(pause, viewer.identities);
  if (maker === 'owner') return voteNoticeText('owner', pause);
  if (maker === 'unverifiable') return voteNoticeText('unverifiable', pause);
  return undefined;
}

async function timelineOf(deps: DashboardDeps, pauseId: string): Promise<TimelineEntry[] | undefined> {
  try {
    const entries = await deps.store.pauseTimeline(pauseId);
    return entries.flatMap((entry) => {
      try {
        const body = JSON.parse(entry.body) as { at?: unknown; type?: unknown; actor?: unknown; data?: unknown };
        const at = typeof body.at === 'number' ? new Date(body.at).toISOString() : String(body.at ?? '');
        return [{ at, type: String(body.type ?? ''), actor: String(body.actor ?? ''), data: body.data }];
      } catch {
        return [];
      }
    });
  } catch (error) {
    deps.logger.warn(
      { err: error instanceof Error ? error.message : String(error), pause_id: pauseId },
      'audit timeline unavailable',
    );
    return undefined;
  }
}

async function audit(deps: DashboardDeps, entry: Parameters<Store['appendAudit']>[0]): Promise<void> {
  try {
    await deps.store.appendAudit(entry, deps.service.now());
  } catch (error) {
    deps.logger.warn(
      { err: error instanceof Error ? error.message : String(error), type: entry.type },
      'audit append failed',
    );
  }
}

async function sendLinkMail(deps: DashboardDeps, email: string, link: string): Promise<void> {
  const id = `<${newSecretToken()}@looppause>`;
  await deps.transport.send({
    to: email,
    subject: 'Your LoopPause sign-in link',
    text: `Sign in to LoopPause: ${link}\n\nThe link works once, for 15 minutes. If you did not ask for it, ignore this e-mail.\n`,
    html: html`<p>Sign in to LoopPause:</p><p><a href="${link}">Sign in</a></p><p>The link works once, for 15 minutes. If you did not ask for it, ignore this e-mail.</p>`
      .value,
    messageId: id,
    threadId: id,
  });
}

/** Errors answer as pages: a body too large, a store outage, anything unexpected (logged, no stack shown). */
function pageErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    if (res.headersSent) {
      // Mid-export: the download ends short; express logs nothing more.
      toClientError(error, logger);
      res.end();
      return;
    }
    const page = errorPage(error, logger);
    res
      .status(page.status)
      .type('html')
      .send(messagePage({ nonce: nonceOf(res) }, page.title, page.line));
  };
}
