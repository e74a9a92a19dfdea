import type { Router } from 'express';
import { newSecretToken } from '../../domain/ids.js';
import { FLOW_TTL_MS } from '../../sso/flow.js';
import type { OidcRefusal } from '../../sso/oidc.js';
import type { RouteDeps } from '../deps.js';
import { sendMessage } from '../pages.js';
import { clearCookie, readCookie, SECRET_PATTERN, setCookie } from '../security.js';
import { LINK_WINDOW_MS, placeOf } from '../sign-in-limits.js';
import type { Flash } from '../views/layout.js';
import { openSession, sendSignInPage } from './sign-in.js';

/** The cookie that ties a round trip to the identity provider to the browser that started it. */
const FLOW_COOKIE = 'lp_dash_oidc';
/** Round trips one place (an IPv4 address, an IPv6 /64) may start in 15 minutes. */
const STARTS_PER_PLACE = 60;

/**
 * "Sign in with …": the button opens /oidc/start, which sends the browser to the identity
 * provider; it comes back to /oidc/callback. The checks are in sso/; here only cookies, pages and
 * the session.
 */
export function registerOidc(router: Router, deps: RouteDeps): void {
  const { oidc, config, access, logger, store, service } = deps;
  if (!oidc) return;
  const name = oidc.settings.name;
  const fallback = config.oidc?.only
    ? 'Try again in a minute.'
    : 'Sign in with an e-mail link below instead, or try again in a minute.';

  const refused = (refusal: OidcRefusal): { status: number; flash: Flash } => {
    const error = (status: number, text: string) => ({ status, flash: { kind: 'error' as const, text } });
    switch (refusal.reason) {
      case 'unavailable':
        return error(503, `${name} is not answering just now. ${fallback}`);
      case 'misconfigured':
        return error(
          503,
          `Sign-in with ${name} is not set up right on this server (its answer does not match the issuer configured). ${config.oidc?.only ? 'Ask a LoopPause admin.' : 'Sign in with an e-mail link below instead, and tell a LoopPause admin.'}`,
        );
      case 'state':
        return error(
          400,
          'This sign-in was not started in this browser, was used already, or took too long. Start again.',
        );
      case 'denied':
        return error(400, `The sign-in at ${name} was cancelled or refused. Start again if you meant to sign in.`);
      case 'unverified':
        return error(
          403,
          `${name} did not say your e-mail address is verified, so LoopPause cannot sign you in with it. Ask your IT team.`,
        );
      case 'invalid':
        return error(
          400,
          `The answer from ${name} did not pass LoopPause’s checks, so you are not signed in. Start again.`,
        );
    }
  };

  // A GET: whoever opens it starts their own round trip and can only come back as themselves.
  router.get('/oidc/start', async (req, res) => {
    // Each round trip leaves a mark in the store for its 10 minutes: one place may start only so many.
    const place = placeOf(req.ip ?? 'unknown');
    const hit = await store.hitRateLimit(`dashboard-oidc:ip:${place}`, STARTS_PER_PLACE, LINK_WINDOW_MS, service.now());
    if (!hit.allowed) {
      res.setHeader('Retry-After', String(Math.ceil(hit.retryAfterMs / 1000)));
      const line = 'Too many sign-ins were started from here. Try again in a few minutes.';
      return sendMessage(res, 429, 'Too many requests', line);
    }
    const flowToken = newSecretToken();
    const started = await oidc.begin(flowToken);
    if (!started.ok) {
      logger.warn({ reason: started.reason, detail: started.detail }, 'dashboard OIDC sign-in could not start');
      const { status, flash } = refused(started);
      if (status === 503) res.setHeader('Retry-After', '60');
      return sendSignInPage(req, res, deps, status, flash);
    }
    setCookie(res, FLOW_COOKIE, flowToken, config.publicUrl, FLOW_TTL_MS);
    res.redirect(303, started.url);
  });

  router.get('/oidc/callback', async (req, res) => {
    const cookie = readCookie(req, FLOW_COOKIE);
    const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const finished = await oidc.finish(query, cookie && SECRET_PATTERN.test(cookie) ? cookie : undefined);
    // A return with someone else's state leaves this browser's round trip open; any other ends it.
    if (finished.ok || finished.reason !== 'state') clearCookie(res, FLOW_COOKIE, config.publicUrl);
    if (!finished.ok) {
      logger.warn({ reason: finished.reason, detail: finished.detail }, 'dashboard OIDC sign-in refused');
      const { status, flash } = refused(finished);
      return sendSignInPage(req, res, deps, status, flash);
    }
    const viewer = access.viewer(finished.email);
    if (!viewer) {
      logger.info('dashboard OIDC sign-in of someone the policy does not name');
      const line = `${name} signed you in as ${finished.email}, but that address may not use LoopPause. Ask a LoopPause admin.`;
      return sendMessage(res, 403, 'Not allowed', line);
    }
    await openSession(req, res, deps, viewer, undefined, 'oidc');
    res.redirect(303, '/dashboard/waiting?done=signed_in');
  });
}
