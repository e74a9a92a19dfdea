import type { SlackDeps } from '../../deps.js';

/**
 * `/looppause login`: a one-time dashboard sign-in link, shown only to whoever typed it. The
 * session is theirs by the e-mail Slack gives for them (users:read.email) and their Slack id.
 */
export async function loginReply(
  deps: Pick<SlackDeps, 'identity' | 'dashboardLinks'>,
  userId: string,
): Promise<{ response_type: 'ephemeral'; text: string }> {
  const reply = (text: string) => ({ response_type: 'ephemeral' as const, text });
  if (!deps.dashboardLinks) return reply('The LoopPause dashboard is not available on this server.');
  const email = await deps.identity.email(userId);
  if (!email) {
    return reply(
      'LoopPause could not read your e-mail address from Slack (the app needs users:read.email), so it cannot sign you in from here. Ask for a link by e-mail on the dashboard’s sign-in page instead.',
    );
  }
  const link = await deps.dashboardLinks.issue(email, userId);
  if (!link) return reply('You are not among the people who may use the LoopPause dashboard. Ask a LoopPause admin.');
  return reply(`<${link}|Sign in to the LoopPause dashboard> (works once, for 15 minutes; only you can see this).`);
}
