import type { Request, Response, Router } from 'express';
import { newSecretToken } from '../../domain/ids.js';
import type { NewAuditEntry } from '../../store/ports/audit.js';
import type { DashboardSession } from '../../store/ports/sessions.js';
import { html } from '../../web/html.js';
import { sameOrigin } from '../../web/same-origin.js';
import type { Viewer } from '../access.js';
import type { RouteDeps } from '../deps.js';
import { LINK_TTL_MS } from '../links.js';
import { chrome, sendMessage, sendPage } from '../pages.js';
import {
  clearCookie,
  mac,
  PRE_COOKIE,
  readCookie,
  SECRET_PATTERN,
  SESSION_COOKIE,
  secretHash,
  setCookie,
  tokenMatches,
} from '../security.js';
import { SESSION_IDLE_MS, signedOf } from '../session.js';
import { countLinkAsk } from '../sign-in-limits.js';
import type { Flash } from '../views/layout.js';
import { linkConfirmPage, signInPage } from '../views/sign-in.js';

/**
 * Sign-in by one-time link: ask for a link (the form's token is a double-submit cookie's MAC), use
 * it (GET only shows a button, as mail scanners prefetch links; POST signs in), sign out.
 */
export function registerSignIn(router: Router, deps: RouteDeps): void {
  const { config, service, store, sessions, access, logger, key, form, guards } = deps;

  router.get('/', async (req, res) => {
    res.redirect(303, (await guards.signedIn(req, res)) ? '/dashboard/waiting' : '/dashboard/signin');
  });

  const linksOff = config.oidc?.only === true;
  const linksOffLine = `Sign-in links are turned off here: sign in with ${config.oidc?.name ?? 'your identity provider'}.`;

  router.get('/signin', async (req, res) => {
    if (await guards.signedIn(req, res)) return res.redirect(303, '/dashboard/waiting');
    const notice = req.query.why === 'signed_out' ? { kind: 'ok' as const, text: 'Signed out.' } : undefined;
    sendSignInPage(req, res, deps, 200, notice);
  });

  router.post('/signin', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (linksOff) return sendSignInPage(req, res, deps, 403, { kind: 'error', text: linksOffLine });
    if (!signInFormCameFromHere(req, deps)) {
      return sendMessage(res, 403, 'Refused', 'This form did not come from the LoopPause sign-in page. Open it again.');
    }
    const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : '';
    if (!/^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,63}$/.test(email)) {
      const notice = { kind: 'error' as const, text: 'Enter an e-mail address.' };
      return sendSignInPage(req, res, deps, 400, notice);
    }
    const asked = await countLinkAsk(store, email, req.ip ?? 'unknown', service.now());
    if (asked.outcome === 'refused') {
      res.setHeader('Retry-After', String(Math.ceil(asked.retryAfterMs / 1000)));
      const line = 'Too many sign-in links were asked for from here. Try again in a few minutes.';
      return sendMessage(res, 429, 'Too many requests', line);
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
    sendSignInPage(req, res, deps, 200, {
      kind: 'ok',
      text: 'If that address may sign in, a link is on its way. It works once, for 15 minutes; any unused link sent to you in that time works too.',
    });
  });

  // The link (SIGN_IN_LINK_PATH, whose token the log never shows).

  router.get('/signin/:token', (req, res) => {
    const token = String(req.params.token);
    if (!SECRET_PATTERN.test(token)) return sendMessage(res, 404, 'Unknown link', 'This sign-in link is not valid.');
    if (linksOff) return sendMessage(res, 410, 'Sign-in links are off', linksOffLine);
    sendPage(res, 200, linkConfirmPage(chrome(res), mac(key, 'signin-link', token)));
  });

  router.post('/signin/:token', form, async (req, res) => {
    const token = String(req.params.token);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!SECRET_PATTERN.test(token)) return sendMessage(res, 404, 'Unknown link', 'This sign-in link is not valid.');
    if (!sameOrigin(req, config.publicUrl) || !tokenMatches(body.form_key, mac(key, 'signin-link', token))) {
      return sendMessage(res, 403, 'Refused', 'This form did not come from the sign-in link. Open the link again.');
    }
    if (linksOff) return sendMessage(res, 410, 'Sign-in links are off', linksOffLine);
    const link = await sessions.takeSignInToken(secretHash(token), service.now());
    // A round trip's mark (see sso/) has no address: it is never a link.
    if (!link || link.email === '') {
      const line = 'This sign-in link was used already or has expired. Ask for a new one.';
      return sendMessage(res, 410, 'Link used or expired', line);
    }
    const viewer = access.viewer(link.email, link.slack);
    if (!viewer) return sendMessage(res, 403, 'Not allowed', 'This address may no longer sign in to LoopPause.');
    await openSession(req, res, deps, viewer, link.slack, link.slack ? 'slack' : 'email');
    res.redirect(303, '/dashboard/waiting?done=signed_in');
  });

  router.post('/signout', form, guards.requireSignIn, guards.checkPost, async (_req, res) => {
    await sessions.deleteSession(signedOf(res).idHash);
    clearCookie(res, SESSION_COOKIE, config.publicUrl);
    res.redirect(303, '/dashboard/signin?why=signed_out');
  });
}

/** The sign-in page, with a fresh form token (a double-submit cookie's MAC) and the ways this server offers. */
export function sendSignInPage(req: Request, res: Response, deps: RouteDeps, status: number, flash?: Flash): void {
  const { config } = deps;
  let pre = readCookie(req, PRE_COOKIE);
  if (!pre || !SECRET_PATTERN.test(pre)) {
    pre = newSecretToken();
    setCookie(res, PRE_COOKIE, pre, config.publicUrl, LINK_TTL_MS * 4);
  }
  const ways = { links: config.oidc?.only !== true, ...(deps.oidc ? { sso: deps.oidc.settings.name } : {}) };
  sendPage(res, status, signInPage(chrome(res), mac(deps.key, 'signin-form', pre), flash, ways));
}

/** Whether a form posted from the sign-in page came from it: same origin, and the token of this browser's cookie. */
export function signInFormCameFromHere(req: Request, deps: RouteDeps): boolean {
  const pre = readCookie(req, PRE_COOKIE);
  const body = (req.body ?? {}) as Record<string, unknown>;
  return sameOrigin(req, deps.config.publicUrl) && !!pre && tokenMatches(body.csrf, mac(deps.key, 'signin-form', pre));
}

/**
 * Signs this browser in as `viewer`: whatever session it had ends (the id rotates), a fresh one is
 * stored and set as the cookie, and the sign-in is audited with how it happened.
 */
export async function openSession(
  req: Request,
  res: Response,
  deps: RouteDeps,
  viewer: Viewer,
  slack: string | undefined,
  via: 'email' | 'slack' | 'oidc',
): Promise<void> {
  const { config, sessions, service } = deps;
  const now = service.now();
  const old = readCookie(req, SESSION_COOKIE);
  if (old) await sessions.deleteSession(secretHash(old));
  const id = newSecretToken();
  const session: DashboardSession = {
    email: viewer.email,
    ...(slack ? { slack } : {}),
    csrf: newSecretToken(),
    created_at: now,
  };
  await sessions.putSession(secretHash(id), session, SESSION_IDLE_MS, now);
  setCookie(res, SESSION_COOKIE, id, config.publicUrl);
  clearCookie(res, PRE_COOKIE, config.publicUrl);
  await audit(deps, { type: 'dashboard.signed_in', actor: `dashboard:${viewer.email}`, data: { via } });
}

/** A sign-in is audited; a store that cannot take the entry does not stop the sign-in (logged). */
async function audit(deps: RouteDeps, entry: NewAuditEntry): Promise<void> {
  try {
    await deps.store.appendAudit(entry, deps.service.now());
  } catch (error) {
    deps.logger.warn(
      { err: error instanceof Error ? error.message : String(error), type: entry.type },
      'audit append failed',
    );
  }
}

async function sendLinkMail(deps: RouteDeps, email: string, link: string): Promise<void> {
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
