import type { Response, Router } from 'express';
import { sameHuman } from '../../domain/delegation.js';
import { LoopPauseError } from '../../domain/errors.js';
import type { RouteDeps } from '../deps.js';
import { chrome, sendPage } from '../pages.js';
import { presentAway, untilFromForm } from '../presenters/away.js';
import { signedOf } from '../session.js';
import { awayPage } from '../views/away.js';
import type { Flash } from '../views/layout.js';

/** Away: anyone signed in sets or ends their own delegation; admins anyone's. Same rules as Slack and the CLI. */
export function registerAway(router: Router, deps: RouteDeps): void {
  const { service, form, guards, logger } = deps;
  const { requireSignIn, checkPost } = guards;

  const render = async (res: Response, status: number, flash?: Flash) => {
    const signed = signedOf(res);
    const view = presentAway(signed.viewer, await service.delegations());
    sendPage(
      res,
      status,
      awayPage(chrome(res, signed), { ...view, csrf: signed.session.csrf, ...(flash ? { flash } : {}) }),
    );
  };
  const field = (body: Record<string, unknown>, name: string) =>
    typeof body[name] === 'string' ? (body[name] as string).trim() : '';

  router.get('/away', requireSignIn, async (_req, res) => render(res, 200));

  router.post('/away', form, requireSignIn, checkPost, async (req, res) => {
    const { viewer } = signedOf(res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const asked = field(body, 'absent');
    const absent = asked === '' ? viewer.email : asked;
    if (!viewer.admin && !sameHuman(absent, viewer.email)) {
      return render(res, 403, { kind: 'error', text: 'Only admins may set someone else away.' });
    }
    try {
      const set = await service.delegate(
        { absent, delegate: field(body, 'delegate'), until: untilFromForm(body.until) },
        viewer.email,
      );
      logger.info({ absent: set.absent, delegate: set.delegate, by: viewer.email }, 'delegation set on the dashboard');
      return render(res, 201, {
        kind: 'ok',
        text: `${set.absent} is away until ${set.until}; ${set.delegate} decides for them.`,
      });
    } catch (error) {
      if (error instanceof LoopPauseError && error.code === 'invalid_argument') {
        return render(res, 400, { kind: 'error', text: `Not set — ${error.message}` });
      }
      throw error;
    }
  });

  router.post('/away/end', form, requireSignIn, checkPost, async (req, res) => {
    const { viewer } = signedOf(res);
    const absent = field((req.body ?? {}) as Record<string, unknown>, 'absent') || viewer.email;
    if (!viewer.admin && !viewer.identities.some((id) => sameHuman(id, absent))) {
      return render(res, 403, { kind: 'error', text: 'Only admins may end someone else’s delegation.' });
    }
    const ended = await service.endDelegation(absent, viewer.email);
    return render(
      res,
      ended ? 200 : 404,
      ended
        ? { kind: 'ok', text: `${ended.absent} is back; ${ended.delegate} no longer decides for them.` }
        : { kind: 'error', text: `${absent} was not away.` },
    );
  });
}
