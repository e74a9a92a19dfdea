import { JobKind } from '../jobs/job-kinds.js';
import type { SurfaceFactory } from '../surfaces.js';
import { SlackAudience } from './audience.js';
import type { SlackDeps } from './deps.js';
import { slackEscalateJob } from './jobs/escalate.js';
import { pauseVotedJob } from './jobs/pause-voted.js';
import { postRequestJob } from './jobs/post-request.js';
import { slackRemindJob } from './jobs/remind.js';
import { pauseEndedJob } from './jobs/update-message.js';
import { registerListeners } from './listeners/index.js';
import { SlackChannelMembership } from './membership.js';

/** The Slack surface; off unless SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set (then main builds `slack`). */
export const slackSurface: SurfaceFactory = ({ config, service, store, runner, dashboard, slack }) => {
  if (!slack) return undefined;
  const { app, client, jobClient, lookupClient, receiver, identity, logger: log } = slack;
  const audience = new SlackAudience(identity, new SlackChannelMembership(lookupClient, log), service.now, () =>
    service.delegations(),
  );
  const deps: SlackDeps = {
    service,
    store,
    client,
    identity,
    audience,
    logger: log,
    publicUrl: config.publicUrl,
    dashboardLinks: dashboard.links,
  };
  registerListeners(app, deps);
  const jobDeps: SlackDeps = { ...deps, client: jobClient };
  runner.on(JobKind.slackPost, postRequestJob(jobDeps));
  runner.on(JobKind.pauseVoted, pauseVotedJob(jobDeps));
  runner.on(JobKind.pauseEnded, pauseEndedJob(jobDeps));
  runner.on(JobKind.slackRemind, slackRemindJob(jobDeps));
  runner.on(JobKind.slackEscalate, slackEscalateJob(jobDeps));
  // Socket Mode's WebSocket is opened (and reopened) by the connection main starts, never here:
  // Slack being unreachable must not stop the service from starting.
  return {
    name: 'slack',
    // Bolt's router reads the raw body itself (signature check): nothing parses it before.
    mounts: receiver ? [{ path: '/', router: receiver.router }] : [],
  };
};
