import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../config.js';
import { voteNoticeText } from '../domain/approvals/index.js';
import type { Pause } from '../domain/pause.js';
import type { ResponseField } from '../domain/schemas.js';
import { nonceOf, pageHeaders } from '../http/page-headers.js';
import type { DecisionTokens } from '../store/ports/decision-tokens.js';
import type { ApprovalService } from '../use-cases/approval-service.js';
import { chosenDecision, decideFormSchema, MAX_TEXT, NO_SESSION_ERROR } from '../web/decide-form.js';
import { errorPage } from '../web/error-page.js';
import { sameOrigin } from '../web/same-origin.js';
import { type Choice, decidedPage, endedPage, type FormValues, formPage, messagePage, standingPage } from './page.js';
import { formKey, formKeyMatches, formKeySecret, hashToken, recipientDone, TOKEN_PATTERN } from './tokens.js';

export interface DecideRouterDeps {
  config: Config;
  service: ApprovalService;
  store: DecisionTokens;
  logger: Logger;
}

/**
 * `/decide/:token`. GET shows the request and never changes anything, so mail scanners
 * that prefetch links decide nothing; only the page's own POST (token, the form key derived from
 * it, and a same-origin check) decides.
 */
export function decideRouter(deps: DecideRouterDeps): Router {
  const { config, service, store, logger } = deps;
  const router = Router();
  const formSecret = formKeySecret(config.signingSecret);
  router.use(pageHeaders({ scripts: false }));

  const lookup = async (token: string): Promise<{ pause: Pause; recipient: string } | undefined> => {
    if (!TOKEN_PATTERN.test(token)) return undefined;
    const record = await store.getDecisionToken(hashToken(token));
    if (!record) return undefined;
    const pause = await service.get(record.pause_id);
    return pause ? { pause, recipient: record.recipient } : undefined;
  };

  router.get(
    '/:token',
    wrap(async (req, res) => {
      const token = String(req.params.token);
      const found = await lookup(token);
      if (!found) return unknownLink(res);
      const { pause, recipient } = found;
      if (pause.status !== 'pending') return html(res, 410, endedPage(nonceOf(res), pause, service.now()));
      const standing = standingOf(pause, recipient);
      if (standing) {
        return html(
          res,
          standing.status,
          standingPage({
            nonce: nonceOf(res),
            pause,
            title: standing.title,
            line: standing.line,
            nowMs: service.now(),
          }),
        );
      }
      const chosen = req.query.decision;
      html(
        res,
        200,
        formPage({
          pause,
          recipient,
          formKey: formKey(formSecret, token),
          ...(chosen === 'approved' || chosen === 'rejected' ? { chosen } : {}),
          nonce: nonceOf(res),
          nowMs: service.now(),
        }),
      );
    }),
  );

  router.post(
    '/:token',
    express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 40 }),
    wrap(async (req, res) => {
      const nonce = nonceOf(res);
      // A POST with neither Origin nor Referer passes: the form key is what proves the page (see sameOrigin).
      if (!sameOrigin(req, config.publicUrl, { allowMissing: true })) {
        return refuse(res, nonce, 'This form was not sent from the LoopPause page.');
      }
      const token = String(req.params.token);
      const found = await lookup(token);
      if (!found) return unknownLink(res);
      const { pause, recipient } = found;
      if (pause.status !== 'pending') return html(res, 410, endedPage(nonce, pause, service.now()));

      const responseFields = pause.request.response_fields ?? [];
      const parsed = formSchema(responseFields).safeParse(req.body ?? {});
      const rerender = (status: number, errors: string[], values: FormValues, chosen?: Choice) =>
        html(
          res,
          status,
          formPage({
            pause,
            recipient,
            formKey: formKey(formSecret, token),
            values,
            errors,
            ...(chosen ? { chosen } : {}),
            nonce,
            nowMs: service.now(),
          }),
        );
      if (!parsed.success) {
        const errors = parsed.error.issues.map(
          (issue) => `${fieldName(String(issue.path[0] ?? 'form'), responseFields)}: ${issue.message}`,
        );
        return rerender(400, errors, looseValues(req.body, responseFields));
      }
      const form = parsed.data;
      if (!formKeyMatches(formSecret, token, form.form_key)) {
        return refuse(res, nonce, 'This form is stale or did not come from this page.');
      }
      const fields: Record<string, string> = Object.create(null);
      for (const f of responseFields) fields[f.name] = form[`field_${f.name}`] ?? '';
      const values: FormValues = { comment: form.comment, fields };
      const { decision, remember } = chosenDecision(form.decision);
      // Only a rule that sets `remember` offers the choice: a forged or stale post decides nothing.
      if (remember && pause.plan?.remember_ms === undefined) {
        return rerender(400, [`Decision: ${NO_SESSION_ERROR}`], values);
      }

      const result = await service.decide(pause.pause_id, {
        decision,
        comment: form.comment.trim(),
        fields,
        responder: recipient,
        channel: 'email',
        identities: [recipient],
        ...(remember ? { remember: true } : {}),
      });
      logger.info(
        { pause_id: pause.pause_id, outcome: result.outcome, decision, ...(remember ? { remember } : {}) },
        'e-mail decision',
      );
      switch (result.outcome) {
        case 'decided':
          return html(res, 200, decidedPage(nonce, result.pause));
        case 'already_final':
          return html(res, 410, endedPage(nonce, result.pause, service.now()));
        case 'not_approver':
          return html(
            res,
            403,
            messagePage(
              nonce,
              'Not an approver',
              `${recipient} is not among the people allowed to decide this request.`,
            ),
          );
        case 'counted':
          return html(res, 200, messagePage(nonce, 'Approval counted', voteNoticeText('counted', result.pause)));
        case 'already_voted':
          return html(res, 409, messagePage(nonce, 'Already voted', voteNoticeText('already_voted', result.pause)));
        case 'owner':
          return html(res, 403, messagePage(nonce, 'Someone else must decide', voteNoticeText('owner', result.pause)));
        case 'unverifiable':
          logger.info({ pause_id: pause.pause_id, reason: result.reason }, 'e-mail vote unverifiable');
          return html(
            res,
            403,
            messagePage(nonce, 'Vote not counted', voteNoticeText('unverifiable', result.pause, result.reason)),
          );
        case 'missing_fields': {
          const missing = result.fields.map(
            (name) => `${fieldName(`field_${name}`, responseFields)}: is required to approve`,
          );
          return rerender(422, missing, values, decision);
        }
      }
    }),
  );

  router.use(pageErrors(logger));
  return router;
}

/**
 * Why this recipient gets no buttons on a pending request: they voted already (200, where it
 * stands), or they own the key the plan excludes (403, as the POST would answer).
 */
function standingOf(pause: Pause, recipient: string): { status: number; title: string; line: string } | undefined {
  const done = recipientDone(pause, recipient);
  if (done === 'voted') return { status: 200, title: 'Already voted', line: voteNoticeText('already_voted', pause) };
  if (done === 'owner') return { status: 403, title: 'Someone else must decide', line: voteNoticeText('owner', pause) };
  return undefined;
}

/** The shared decide form, led by the page's form key. */
function formSchema(fields: readonly ResponseField[]) {
  return decideFormSchema<{ form_key: string }>(
    fields.map((f) => f.name),
    { lead: { form_key: z.string({ error: 'is missing: open the link from the e-mail again' }) } },
  );
}

function fieldName(key: string, fields: readonly ResponseField[]): string {
  if (key === 'comment') return 'Comment';
  if (key === 'decision') return 'Decision';
  if (key === 'form_key') return 'Form';
  const field = fields.find((f) => `field_${f.name}` === key);
  return field ? field.label : key;
}

/** What the human typed, kept for the re-rendered form even when the post was invalid. */
function looseValues(body: unknown, fields: readonly ResponseField[]): FormValues {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : '');
  const values: FormValues = { comment: str(b.comment), fields: Object.create(null) };
  for (const f of fields) values.fields[f.name] = str(b[`field_${f.name}`]);
  return values;
}

function html(res: Response, status: number, body: string): void {
  res.status(status).type('html').send(body);
}

/** 403: the post is not from our page (origin) or not for this token (form key); nothing decided. */
function refuse(res: Response, nonce: string, why: string): void {
  html(res, 403, messagePage(nonce, 'Refused', `${why} Open the link from the e-mail again.`));
}

function unknownLink(res: Response): void {
  html(
    res,
    404,
    messagePage(
      nonceOf(res),
      'Unknown link',
      'This decision link is not valid: it may be cut short or mistyped, or the request is long gone.',
    ),
  );
}

function wrap(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    handler(req, res).catch(next);
  };
}

/** Errors on these pages answer as pages: body too large, store outage, anything unexpected. */
function pageErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const page = errorPage(error, logger);
    html(res, page.status, messagePage(nonceOf(res), page.title, page.line));
  };
}
