import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { chrome, flashOf, sendMessage, sendPage } from '../pages.js';
import { presentWaiting } from '../presenters/waiting.js';
import { signedOf } from '../session.js';
import { waitingPage } from '../views/waiting.js';

/** Waiting for me: what this viewer may decide, each with its decide form (posted to the pause's decide route). */
export function registerWaiting(router: Router, deps: RouteDeps): void {
  router.get('/waiting', deps.guards.requireSignIn, async (req, res) => {
    const signed = signedOf(res);
    const read = await presentWaiting(
      { store: deps.store, cursors: deps.cursors, now: deps.service.now },
      signed.viewer,
      req.query.cursor,
    );
    if (!read.ok) return sendMessage(res, 400, 'Bad link', read.error, signed);
    const flash = flashOf(req.query.done);
    sendPage(
      res,
      200,
      waitingPage(chrome(res, signed), { ...read.view, csrf: signed.session.csrf, ...(flash ? { flash } : {}) }),
    );
  });
}
