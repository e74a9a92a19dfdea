import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { standIn, voteNoticeText } from '../../domain/approvals/index.js';
import type { Pause } from '../../domain/pause.js';
import { chosenDecision, decideFormSchema, NO_SESSION_ERROR } from '../../web/decide-form.js';
import { mayDecideOnWeb } from '../access.js';
import type { RouteDeps } from '../deps.js';
import { chrome, flashOf, sendMessage, sendPage } from '../pages.js';
import { loadVisiblePause, presentPause } from '../presenters/pause.js';
import { signedOf } from '../session.js';
import type { Flash } from '../views/layout.js';
import { pausePage } from '../views/pause.js';

/** The shared decide form, and where to go back to after it. */
const decideSchema = (fieldNames: string[]) =>
  decideFormSchema<{ back?: 'waiting' | 'pause' }>(fieldNames, {
    extra: { back: z.enum(['waiting', 'pause']).optional() },
  });

/** A request's page, and its decide form's POST (from this page or from Waiting for me): a vote like any other. */
export function registerPauses(router: Router, deps: RouteDeps): void {
  const { service, logger, form, guards } = deps;

  const loadVisible = async (req: Request, res: Response): Promise<Pause | undefined> => {
    const signed = signedOf(res);
    const pause = await loadVisiblePause(service, signed.viewer, String(req.params.id));
    if (!pause) sendMessage(res, 404, 'Not found', 'No such request, or it is not one you may see.', signed);
    return pause;
  };

  const renderPause = async (
    res: Response,
    status: number,
    pause: Pause,
    extra: { values?: { comment: string; fields: Record<string, string> }; errors?: string[]; flash?: Flash } = {},
  ) => {
    const signed = signedOf(res);
    const { decidable, ...view } = await presentPause(
      {
        store: deps.store,
        now: service.now,
        logger,
        publicUrl: deps.config.publicUrl,
        delegations: () => service.delegations(),
      },
      pause,
      signed.viewer,
    );
    const decideForm = {
      csrf: signed.session.csrf,
      ...(extra.values ? { values: extra.values } : {}),
      ...(extra.errors ? { errors: extra.errors } : {}),
    };
    sendPage(
      res,
      status,
      pausePage(chrome(res, signed), {
        ...view,
        ...(decidable ? { form: decideForm } : {}),
        ...(extra.flash ? { flash: extra.flash } : {}),
      }),
    );
  };

  router.get('/pauses/:id', guards.requireSignIn, async (req, res) => {
    const pause = await loadVisible(req, res);
    if (!pause) return;
    const flash = flashOf(req.query.done);
    await renderPause(res, 200, pause, flash ? { flash } : {});
  });

  router.post('/pauses/:id/decide', form, guards.requireSignIn, guards.checkPost, async (req, res) => {
    const pause = await loadVisible(req, res);
    if (!pause) return;
    const signed = signedOf(res);
    const viewer = signed.viewer;
    const notApprover = () =>
      sendMessage(
        res,
        403,
        'Not an approver',
        `${viewer.email} is not among the people who may decide this request.`,
        signed,
      );
    if (pause.status !== 'pending') return res.redirect(303, `/dashboard/pauses/${pause.pause_id}?done=already_final`);
    // A delegate whose away approver has voted since is told so by the vote itself (already voted).
    const nowMs = service.now();
    const spent = viewer.standsFor ? standIn(pause, viewer.identities, viewer.standsFor, nowMs) : undefined;
    if (!mayDecideOnWeb(pause, viewer, nowMs) && !(spent && 'spent' in spent)) return notApprover();
    const fields = pause.request.response_fields ?? [];
    const parsed = decideSchema(fields.map((f) => f.name)).safeParse(req.body ?? {});
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => `${String(i.path[0] ?? 'form')}: ${i.message}`);
      return renderPause(res, 400, pause, { errors });
    }
    const answers: Record<string, string> = Object.create(null);
    for (const f of fields) answers[f.name] = parsed.data[`field_${f.name}`] ?? '';
    const { decision, remember } = chosenDecision(parsed.data.decision);
    // Only a rule that sets `remember` offers the choice: a forged or stale post decides nothing.
    if (remember && pause.plan?.remember_ms === undefined) {
      return renderPause(res, 400, pause, { errors: [`decision: ${NO_SESSION_ERROR}`] });
    }
    const result = await service.decide(pause.pause_id, {
      decision,
      comment: parsed.data.comment.trim(),
      fields: { ...answers },
      responder: viewer.email,
      channel: 'web',
      identities: viewer.identities,
      ...(remember ? { remember: true } : {}),
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
        return renderPause(res, 403, result.pause, {
          flash: { kind: 'error', text: voteNoticeText('owner', result.pause) },
        });
      case 'unverifiable':
        // Why the vote could not be told apart (the same words the e-mail page and Slack use).
        return renderPause(res, 403, result.pause, {
          flash: { kind: 'error', text: voteNoticeText('unverifiable', result.pause, result.reason) },
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
}
