import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { chrome, sendPage } from '../pages.js';
import { presentExplain, presentPolicy } from '../presenters/policy.js';
import { signedOf } from '../session.js';
import { policyPage } from '../views/policy.js';

/** Admin: the policy in force, and "explain a request" against it (a read: it changes nothing). */
export function registerPolicy(router: Router, deps: RouteDeps): void {
  const { service, form, guards } = deps;
  const { requireSignIn, requireAdmin, checkPost } = guards;
  const present = () => presentPolicy(deps.policy, deps.config.policyFile);

  router.get('/policy', requireSignIn, requireAdmin, async (_req, res) => {
    const signed = signedOf(res);
    const policy = await present();
    sendPage(res, 200, policyPage(chrome(res, signed), { csrf: signed.session.csrf, ...(policy ? { policy } : {}) }));
  });

  router.post('/policy/explain', form, requireSignIn, requireAdmin, checkPost, async (req, res) => {
    const signed = signedOf(res);
    const policy = await present();
    const explain = await presentExplain(
      (args) => service.explain(args),
      (req.body ?? {}) as Record<string, unknown>,
      policy,
    );
    sendPage(
      res,
      explain.error ? 400 : 200,
      policyPage(chrome(res, signed), { csrf: signed.session.csrf, ...(policy ? { policy } : {}), explain }),
    );
  });
}
