import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import type { Delegation } from '../domain/delegation.js';
import { humanKey } from '../domain/policy/humans.js';
import type { DashboardSession, DashboardSessions } from '../store/ports/sessions.js';
import { sameOrigin } from '../web/same-origin.js';
import type { DashboardAccess, Viewer } from './access.js';
import { clearCookie, readCookie, SECRET_PATTERN, SESSION_COOKIE, secretHash, tokenMatches } from './security.js';

/** A session ends after 12 hours unused, or 7 days after sign-in whatever its use. */
export const SESSION_IDLE_MS = 12 * 3_600_000;
export const SESSION_MAX_MS = 7 * 24 * 3_600_000;

/** Who is signed in on this request: the viewer as the policy sees them now, and their session. */
export interface Signed {
  viewer: Viewer;
  session: DashboardSession;
  /** The session id's hash: the store's key for it. */
  idHash: string;
}

declare global {
  namespace Express {
    interface Locals {
      /** Set by `requireSignIn`; handlers behind it read it with `signedOf`. */
      signed?: Signed;
    }
  }
}

/** The signed-in viewer of a request that passed `requireSignIn`. */
export function signedOf(res: Response): Signed {
  const signed = res.locals.signed;
  if (!signed) throw new Error('signedOf: the route has no requireSignIn before it');
  return signed;
}

/** Answers a refused request with a one-line page (the router's `sendMessage`). */
export type Refuse = (res: Response, status: number, title: string, line: string, signed?: Signed) => void;

export interface SessionGuards {
  /** The session behind the cookie, its viewer asked afresh of the policy; undefined when signed out. */
  signedIn(req: Request, res: Response): Promise<Signed | undefined>;
  /** Signed out: a page GET goes to the sign-in page, anything else is a 401 page. */
  requireSignIn: RequestHandler;
  /** After requireSignIn: a 403 page for anyone who is not an admin. */
  requireAdmin: RequestHandler;
  /** After requireSignIn, on every POST: same origin, then the session's CSRF token, checked in constant time. */
  checkPost: RequestHandler;
}

export function sessionGuards(
  deps: {
    config: Config;
    sessions: DashboardSessions;
    access: DashboardAccess;
    now: () => number;
    /** The delegations in force: a viewer named as delegate may decide for the away approver. */
    delegations?: () => Promise<Delegation[]>;
  },
  refuse: Refuse,
): SessionGuards {
  const { config, sessions, access, now } = deps;

  const signedIn = async (req: Request, res: Response): Promise<Signed | undefined> => {
    const id = readCookie(req, SESSION_COOKIE);
    if (!id || !SECRET_PATTERN.test(id)) return undefined;
    const idHash = secretHash(id);
    const session = await sessions.touchSession(idHash, SESSION_IDLE_MS, now());
    if (!session) return undefined;
    const viewer = access.viewer(session.email, session.slack);
    if (!viewer || now() - session.created_at > SESSION_MAX_MS) {
      await sessions.deleteSession(idHash);
      clearCookie(res, SESSION_COOKIE, config.publicUrl);
      return undefined;
    }
    const standsFor = deps.delegations ? await standingIn(viewer, deps.delegations) : [];
    return { viewer: standsFor.length > 0 ? { ...viewer, standsFor } : viewer, session, idHash };
  };

  const requireSignIn: RequestHandler = async (req, res, next) => {
    const signed = await signedIn(req, res);
    if (!signed) {
      if (req.method === 'GET' && req.accepts('html') && !req.path.startsWith('/events')) {
        res.redirect(303, '/dashboard/signin');
        return;
      }
      refuse(res, 401, 'Signed out', 'Your session has ended. Sign in again.');
      return;
    }
    res.locals.signed = signed;
    next();
  };

  const requireAdmin: RequestHandler = (_req, res, next) => {
    const signed = signedOf(res);
    if (!signed.viewer.admin) return refuse(res, 403, 'Admins only', 'This page is for LoopPause admins.', signed);
    next();
  };

  const checkPost: RequestHandler = (req, res, next) => {
    const signed = signedOf(res);
    if (!sameOrigin(req, config.publicUrl)) {
      return refuse(res, 403, 'Refused', 'This form was not sent from a LoopPause page.', signed);
    }
    if (!tokenMatches((req.body as Record<string, unknown> | undefined)?.csrf, signed.session.csrf)) {
      return refuse(
        res,
        403,
        'Refused',
        'This form is stale or did not come from this session. Reload the page and try again.',
        signed,
      );
    }
    next();
  };

  return { signedIn, requireSignIn, requireAdmin, checkPost };
}

async function standingIn(viewer: Viewer, delegations: () => Promise<Delegation[]>): Promise<Delegation[]> {
  const keys = new Set(viewer.identities.map(humanKey));
  return (await delegations()).filter((d) => keys.has(humanKey(d.delegate)));
}
