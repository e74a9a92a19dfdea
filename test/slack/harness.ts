import type { RunningService } from '../../src/main.js';
import { TaskKind } from '../../src/service/tasks.js';
import type { SlackAppOptions } from '../../src/slack/app.js';
import { createSlackSurface } from '../../src/slack/index.js';
import type { Task } from '../../src/store/store.js';
import type { SurfaceFactory } from '../../src/surface.js';
import type { FakeSlack, SlackCall } from '../helpers/fake-slack.js';
import { startTestService } from '../helpers/service.js';
import { SLACK_SIGNING_SECRET } from './slack-requests.js';

export interface SlackService {
  running: RunningService;
  /** `email.send` tasks handed over by the Slack surface (recorded by a probe surface). */
  emailTasks: Task[];
}

/**
 * The whole service with the Slack surface against the fake; a probe stands in for the e-mail
 * surface so the hand-over is observable. The WebClient retries fast (Retry-After still honoured).
 */
export async function startSlackService(
  fake: FakeSlack,
  env: Record<string, string> = {},
  slackOptions: SlackAppOptions = {},
): Promise<SlackService> {
  const emailTasks: Task[] = [];
  const probe: SurfaceFactory = ({ runner }) => {
    runner.on(TaskKind.emailSend, async (task) => {
      emailTasks.push(task);
    });
    return { name: 'email-probe' };
  };
  const running = await startTestService(
    {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      ...env,
    },
    {
      surfaces: [
        createSlackSurface({ retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 50 }, ...slackOptions }),
        probe,
      ],
    },
  );
  return { running, emailTasks };
}

/** Every text a message's blocks would show, joined: for assertions on what a human sees. */
export function shownText(call: SlackCall): string {
  return JSON.stringify(call.body.blocks ?? call.body.view ?? call.body.text ?? '');
}

export function actionIds(blocks: unknown): string[] {
  const ids: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'button' && typeof o.action_id === 'string') ids.push(o.action_id);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return ids;
}
