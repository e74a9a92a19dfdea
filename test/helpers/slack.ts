import { JobKind } from '../../src/jobs/job-kinds.js';
import type { RunningService } from '../../src/main.js';
import type { SlackAppOptions } from '../../src/slack/app.js';
import { ModalIds } from '../../src/slack/ids.js';
import { slackSurface } from '../../src/slack/index.js';
import type { Job } from '../../src/store/ports/jobs.js';
import type { SurfaceFactory } from '../../src/surfaces.js';
import type { FakeSlack, SlackCall } from './fake-slack.js';
import { startTestService } from './service.js';
import {
  appHomeOpenedBody,
  formPayload,
  SLACK_SIGNING_SECRET,
  sendClick,
  sendToSlackEndpoint,
  slashCommandBody,
  viewSubmissionPayload,
} from './slack-requests.js';

const FORM = 'application/x-www-form-urlencoded';

export interface SlackService {
  running: RunningService;
  /** `email.send` jobs handed over by the Slack surface (recorded by a probe surface). */
  emailTasks: Job[];
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
  const emailTasks: Job[] = [];
  const probe: SurfaceFactory = ({ runner }) => {
    runner.on(JobKind.emailSend, async (job) => {
      emailTasks.push(job);
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
      slack: { retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 50 }, ...slackOptions },
      surfaces: [slackSurface, probe],
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

/** Signed requests from Slack users into the service at `url`, answered through `fake`. */
export function slackUsers(fake: FakeSlack, url: string) {
  return {
    async click(actionId: string, pauseId: string, userId: string, extra: { channel?: string } = {}) {
      const responseUrl = fake.responseUrl(`click-${Math.random().toString(36).slice(2)}`);
      const res = await sendClick(url, { actionId, value: pauseId, userId, responseUrl, ...extra });
      return { res, responseUrl };
    },

    /** A view_submission of `view` (callback_id and private_metadata as given) with these answers. */
    submitModal(view: Record<string, unknown>, userId: string, values: Record<string, string>): Promise<Response> {
      const state: Record<string, Record<string, { type: string; value: string | null }>> = {};
      for (const [blockId, value] of Object.entries(values)) {
        const action = blockId === ModalIds.commentBlock ? ModalIds.commentAction : ModalIds.fieldAction;
        state[blockId] = { [action]: { type: 'plain_text_input', value } };
      }
      const payload = viewSubmissionPayload({
        userId,
        callbackId: String(view.callback_id),
        privateMetadata: String(view.private_metadata),
        values: state,
      });
      return sendToSlackEndpoint(url, formPayload(payload), FORM);
    },

    /** `/looppause <text>`, and the answer Bolt posted to its response_url. */
    async command(text: string, userId: string): Promise<{ res: Response; answer: SlackCall }> {
      const responseUrl = fake.responseUrl(`cmd-${Math.random().toString(36).slice(2)}`);
      const res = await sendToSlackEndpoint(url, slashCommandBody({ text, userId, responseUrl }), FORM);
      const [answer] = await fake.waitFor((c) => c.method === 'response_url' && responseUrl.endsWith(c.path));
      return { res, answer: answer as SlackCall };
    },

    /** Opens the App Home tab; the next views.publish for this user. */
    async openHome(userId: string): Promise<SlackCall> {
      const before = fake.calls.length;
      const res = await sendToSlackEndpoint(url, appHomeOpenedBody(userId), 'application/json');
      if (res.status !== 200) throw new Error(`app_home_opened answered ${res.status}`);
      const published = (c: SlackCall) =>
        fake.calls.indexOf(c) >= before && c.method === 'views.publish' && c.body.user_id === userId;
      const [publish] = await fake.waitFor(published);
      return publish as SlackCall;
    },
  };
}

export type SlackUsers = ReturnType<typeof slackUsers>;
