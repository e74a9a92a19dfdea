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
 * Slack's answers to `questions`, all asked at once. Without a directory (no Slack wired in) the
 * only link known is the one the caller gave: a Slack id and the e-mail beside it.
 */
export async function askLinks(
  directory: IdentityDirectory | undefined,
  questions: LinkQuestions,
  identities: ReadonlyArray<string | undefined>,
): Promise<Links> {
  if (!directory) return callerLinks(identities);
  const answer = (ask: () => Promise<Link>): Promise<Link> =>
    ask().catch((error: unknown) => ({
      kind: 'unknown',
      error: error instanceof Error ? error.name : 'unknown_error',
    }));
  const [byEmail, bySlackId] = await Promise.all([
    Promise.all(questions.emails.map(async (e) => [humanKey(e), await answer(() => directory.slackIdOf(e))] as const)),
    Promise.all(questions.slackIds.map(async (id) => [id, await answer(() => directory.emailOf(id))] as const)),
  ]);
  return linksFrom(new Map(byEmail), new Map(bySlackId));
}
