import { z } from 'zod';
import { DECISIONS, type Decision } from '../domain/vocabulary.js';

/** The longest comment or response-field answer a decide form takes; the inputs' `maxlength` too. */
export const MAX_TEXT = 2000;

/**
 * The third choice on a tool call whose rule sets `remember`: approve, and let the same call in the
 * same session through until the window lapses. Posted as the decision button's value.
 */
export const APPROVE_FOR_SESSION = 'approved_for_session';
export type FormDecision = Decision | typeof APPROVE_FOR_SESSION;

/** A decide form as posted: the decision, the comment, and `field_<name>` for each response field. */
export type DecideFormBody = { decision: FormDecision; comment: string } & Record<string, string>;

/** What a form that asks to approve for the session is told when the request's rule does not allow it. */
export const NO_SESSION_ERROR = 'cannot be approved for the session: its policy rule does not allow it';

/** The decision a posted choice makes, and whether it asks to remember it for the session. */
export function chosenDecision(choice: FormDecision): { decision: Decision; remember: boolean } {
  return choice === APPROVE_FOR_SESSION
    ? { decision: 'approved', remember: true }
    : { decision: choice, remember: false };
}

/**
 * The decide form's POST body, on the dashboard and on the e-mail decision page: `decision`,
 * `comment` and a `field_<name>` per response field, each text of at most MAX_TEXT characters
 * (absent reads as ''); every key named, so an error says which one is wrong; unknown keys dropped.
 * A surface's own keys go in `lead` (checked before `decision`) or `extra` (after `comment`), so
 * errors come in the order of that surface's form. `Own` types them.
 */
export function decideFormSchema<Own extends object = object>(
  fieldNames: readonly string[],
  own: { lead?: Record<string, z.ZodType>; extra?: Record<string, z.ZodType> } = {},
): z.ZodType<DecideFormBody & Own> {
  const text = z.string({ error: 'must be text' }).max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`).default('');
  const shape: Record<string, z.ZodType> = {
    ...own.lead,
    decision: z.enum([...DECISIONS, APPROVE_FOR_SESSION], { error: 'must be Approve or Reject' }),
    comment: text,
    ...own.extra,
  };
  for (const name of fieldNames) shape[`field_${name}`] = text;
  return z.object(shape) as unknown as z.ZodType<DecideFormBody & Own>;
}
