import { TaskKind } from '../service/tasks.js';
import type { SurfaceFactory } from '../surface.js';
import { createSlackApp, type SlackAppOptions } from './app.js';
import { SlackAudience } from './audience.js';
import type { SlackDeps } from './deps.js';
import { IdentityResolver } from './identity.js';
import { registerListeners } from './listeners/index.js';
import { SlackChannelMembership } from './membership.js';
import { postRequestTask } from './tasks/post-request.js';
import { pauseEndedTask } from './tasks/update-message.js';

/** The Slack surface (SPEC §6); off unless SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set. */
export function createSlackSurface(options: SlackAppOptions = {}): SurfaceFactory {
  return ({ config, service, store, runner, logger }) => {
    if (!config.slack) return undefined;
    const log = logger.child({ surface: 'slack' });
    const { app, client, receiver } = createSlackApp(config.slack, log, options);
    const identity = new IdentityResolver(client, log);
    const audience = new SlackAudience(identity, new SlackChannelMembership(client, log));
    const deps: SlackDeps = { service, store, client, identity, audience, logger: log };
    registerListeners(app, deps);
    runner.on(TaskKind.slackPost, postRequestTask(deps));
    runner.on(TaskKind.pauseEnded, pauseEndedTask(deps));
    const socketMode = receiver === undefined;
    return {
      name: 'slack',
      // Bolt's router reads the raw body itself (signature check): nothing parses it before.
      mounts: receiver ? [{ path: '/', router: receiver.router }] : [],
      start: async () => {
        if (socketMode) await app.start();
      },
      stop: async () => {
        if (socketMode) await app.stop();
      },
    };
  };
}

export const slackSurface: SurfaceFactory = createSlackSurface();
