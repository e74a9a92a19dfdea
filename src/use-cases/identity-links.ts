import { callerLinks, type Link, type LinkQuestions, type Links, linksFrom } from '../domain/approvals/identities.js';
import { humanKey } from '../domain/policy/humans.js';

/**
 * Who holds which identity in Slack, asked by the use cases that must tell people apart (the Slack
 * surface answers, with users.lookupByEmail and users.info, cached). Never rejects: a failure is an
 * `unknown` link carrying the Slack error code.
 */
export interface IdentityDirectory {
  /** The Slack account holding `email`, or nobody (users_not_found). */
  slackIdOf(email: string): Promise<Link>;
  /** The profile e-mail of the Slack account `userId`, or none. */
  emailOf(userId: string): Promise<Link>;
}

/**
 * How long a vote waits for Slack's answers: past it a lookup is `unknown` (`no_answer`) and the
 * vote that needed it is refused with that reason, rather than an e-mail or dashboard vote hanging
 * on Slack's client retries.
 */
export const LOOKUP_BUDGET_MS = 5000;

/**
 * Slack's answers to `questions`, all asked at once. Without a directory (no Slack wired in) the
 * only link known is the one the caller gave: a Slack id and the e-mail beside it.
 */
export async function askLinks(
  directory: IdentityDirectory | undefined,
  questions: LinkQuestions,
  identities: ReadonlyArray<string | undefined>,
  budgetMs: number = LOOKUP_BUDGET_MS,
): Promise<Links> {
  if (!directory) return callerLinks(identities);
  const answer = (ask: () => Promise<Link>): Promise<Link> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Link>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'unknown', error: 'no_answer' }), budgetMs);
      timer.unref();
    });
    const asked = ask().catch(
      (error: unknown): Link => ({ kind: 'unknown', error: error instanceof Error ? error.name : 'unknown_error' }),
    );
    return Promise.race([asked, late]).finally(() => clearTimeout(timer));
  };
  const [byEmail, bySlackId] = await Promise.all([
    Promise.all(questions.emails.map(async (e) => [humanKey(e), await answer(() => directory.slackIdOf(e))] as const)),
    Promise.all(questions.slackIds.map(async (id) => [id, await answer(() => directory.emailOf(id))] as const)),
  ]);
  return linksFrom(new Map(byEmail), new Map(bySlackId));
}
