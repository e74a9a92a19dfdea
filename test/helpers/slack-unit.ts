import type {
  AllMiddlewareArgs,
  App,
  SlackCommandMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { type Mock, vi } from 'vitest';
import { type ApprovalRequestInput, SLACK_USER_PATTERN } from '../../src/domain/schemas.js';
import { Metrics } from '../../src/metrics.js';
import { SlackAudience } from '../../src/slack/audience.js';
import type { ModalView } from '../../src/slack/blocks/types.js';
import type { SlackDeps } from '../../src/slack/deps.js';
import { IdentityResolver } from '../../src/slack/identity.js';
import { ModalIds } from '../../src/slack/ids.js';
import type { ButtonArgs } from '../../src/slack/listeners/actions/click.js';
import { SlackChannelMembership } from '../../src/slack/membership.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { ApprovalService } from '../../src/use-cases/approval-service.js';
import { channelIdFor } from './fake-slack.js';
import { blockActionPayload, slashCommandBody, viewSubmissionPayload } from './slack-requests.js';
import { FALLBACK_MS, ManualClock, UNIT_SIGNING_SECRET } from './use-cases.js';

/**
 * Slack listeners called directly, with the arguments Bolt would hand them, over real SlackDeps
 * (ApprovalService, SlackAudience, IdentityResolver, SlackChannelMembership) on a MemoryStore.
 * Only the WebClient is fake: an object that records each call and answers from a few maps.
 */

export interface SlackApiCall {
  method: string;
  args: Record<string, unknown>;
}

/** A Slack Web API error as @slack/web-api throws it (`ok: false` with a code). */
function platformError(code: string): Error {
  return Object.assign(new Error(`An API error occurred: ${code}`), {
    code: 'slack_webapi_platform_error',
    data: { ok: false, error: code },
  });
}

class FakeSlackClient {
  readonly calls: SlackApiCall[] = [];
  /** In order: each Web API method as it is called, and `ack` / `respond` from the argument builders. */
  readonly events: string[] = [];
  /** conversations.members per channel id; a channel not here answers `channel_not_found`. */
  readonly members = new Map<string, string[]>();
  /** users.info's profile e-mail per user id; users not here have none. */
  readonly emails = new Map<string, string>();
  /** Methods that fail with this Slack error code. */
  readonly failing = new Map<string, string>();
  private readonly held = new Map<string, Promise<void>>();

  /** Calls to `method` wait until the returned function is called: "slow Slack" without timers. */
  hold(method: string): () => void {
    let release = () => {};
    this.held.set(
      method,
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    return () => {
      this.held.delete(method);
      release();
    };
  }

  callsTo(method: string): Record<string, unknown>[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  /** The texts sent privately to `user`: ephemerals and DMs. */
  privateTexts(user: string): string[] {
    return this.calls
      .filter(
        (c) =>
          (c.method === 'chat.postEphemeral' && c.args.user === user) ||
          (c.method === 'chat.postMessage' && c.args.channel === user),
      )
      .map((c) => String(c.args.text));
  }

  private async call(
    method: string,
    args: Record<string, unknown>,
    answer: () => Record<string, unknown> = () => ({}),
  ): Promise<Record<string, unknown>> {
    this.calls.push({ method, args });
    this.events.push(method);
    await this.held.get(method);
    const error = this.failing.get(method);
    if (error) throw platformError(error);
    return { ok: true, ...answer() };
  }

  /** The object listeners see as `client` and SlackDeps carry: only the methods LoopPause calls. */
  readonly client = {
    chat: {
      postEphemeral: (args: Record<string, unknown>) => this.call('chat.postEphemeral', args),
      postMessage: (args: Record<string, unknown>) => this.call('chat.postMessage', args),
      update: (args: Record<string, unknown>) => this.call('chat.update', args),
    },
    views: {
      open: (args: Record<string, unknown>) => this.call('views.open', args),
      publish: (args: Record<string, unknown>) => this.call('views.publish', args),
    },
    users: {
      info: (args: { user: string }) =>
        this.call('users.info', args, () => {
          const email = this.emails.get(args.user);
          return { user: { id: args.user, profile: email ? { email } : {} } };
        }),
      lookupByEmail: (args: { email: string }) =>
        this.call('users.lookupByEmail', args, () => {
          const wanted = args.email.toLowerCase();
          const id = [...this.emails].find(([, email]) => email.toLowerCase() === wanted)?.[0];
          if (!id) throw platformError('users_not_found');
          return { user: { id, profile: { email: args.email } } };
        }),
    },
    conversations: {
      members: (args: { channel: string }) =>
        this.call('conversations.members', args, () => {
          const members = this.members.get(args.channel);
          if (!members) throw platformError('channel_not_found');
          return { members, response_metadata: { next_cursor: '' } };
        }),
    },
  } as unknown as WebClient;
}

export interface SlackUnitWorld {
  deps: SlackDeps;
  /** request_approval, then what the slack.post job records: posted to its channel (channel targets). */
  request(agentId: string, args: ApprovalRequestInput): Promise<{ pause_id: string }>;
  store: MemoryStore;
  service: ApprovalService;
  slack: FakeSlackClient;
  clock: ManualClock;
  metrics: Metrics;
}

/** Real SlackDeps, as createSlackSurface builds them, over a MemoryStore and a fake WebClient. */
export function slackDepsOverMemory(
  options: { members?: Record<string, string[]>; emails?: Record<string, string> } = {},
): SlackUnitWorld {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const metrics = new Metrics({ defaultMetrics: false });
  const slack = new FakeSlackClient();
  for (const [channel, users] of Object.entries(options.members ?? {})) slack.members.set(channel, users);
  for (const [user, email] of Object.entries(options.emails ?? {})) slack.emails.set(user, email);
  const logger = pino({ level: 'silent' });
  const identity = new IdentityResolver(slack.client, logger);
  const service = new ApprovalService({
    store,
    signingSecret: UNIT_SIGNING_SECRET,
    slackEnabled: true,
    emailFallbackAfterMs: FALLBACK_MS,
    now: clock.now,
    metrics,
    identities: identity,
  });
  const audience = new SlackAudience(identity, new SlackChannelMembership(slack.client, logger));
  const request = async (agentId: string, args: ApprovalRequestInput) => {
    const created = await service.request(agentId, args);
    const target = args.recipient_slack;
    if (target !== undefined && !SLACK_USER_PATTERN.test(target)) {
      await service.deliveries.record(created.pause_id, 'slack', {
        state: 'posted',
        channel: target.startsWith('#') ? channelIdFor(target) : target,
        ts: '1700000000.000100',
        at: new Date(clock.now()).toISOString(),
      });
    }
    return created;
  };
  return {
    deps: { service, store, client: slack.client, identity, audience, logger },
    request,
    store,
    service,
    slack,
    clock,
    metrics,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: listeners of every kind are kept in one map and typed on the way out.
type AnyListener = (args: any) => Promise<void>;

/** What a `register…(app, deps)` function registered, by action id, command, callback id and event. */
export interface CapturedListeners {
  action(actionId: string): (args: ButtonArgs) => Promise<void>;
  command(name: string): (args: CommandArgs) => Promise<void>;
  view(callbackId: string): (args: ViewArgs) => Promise<void>;
}

/** Runs a register function against a stand-in App that only records what is registered. */
export function captureListeners(register: (app: App, deps: SlackDeps) => void, deps: SlackDeps): CapturedListeners {
  const byKey = new Map<string, AnyListener>();
  const put = (key: string, listeners: AnyListener[]) => {
    if (byKey.has(key)) throw new Error(`${key} registered twice`);
    const listener = listeners.at(-1);
    if (!listener) throw new Error(`${key} registered without a listener`);
    byKey.set(key, listener);
  };
  const id = (constraint: unknown, field: string): string =>
    typeof constraint === 'string' ? constraint : String((constraint as Record<string, unknown>)[field]);
  const app = {
    action: (constraint: unknown, ...listeners: AnyListener[]) =>
      put(`action:${id(constraint, 'action_id')}`, listeners),
    command: (name: unknown, ...listeners: AnyListener[]) => put(`command:${id(name, '')}`, listeners),
    view: (constraint: unknown, ...listeners: AnyListener[]) => put(`view:${id(constraint, 'callback_id')}`, listeners),
    event: (name: unknown, ...listeners: AnyListener[]) => put(`event:${id(name, '')}`, listeners),
    use: () => {},
  };
  register(app as unknown as App, deps);
  const get = (key: string): AnyListener => {
    const listener = byKey.get(key);
    if (!listener) throw new Error(`nothing registered for ${key} (have: ${[...byKey.keys()].join(', ')})`);
    return listener;
  };
  return {
    action: (actionId) => get(`action:${actionId}`),
    command: (name) => get(`command:${name}`),
    view: (callbackId) => get(`view:${callbackId}`),
  };
}

/** An ack spy that logs `ack` into the fake's event order. */
function ackSpy(slack: FakeSlackClient): Mock<(response?: unknown) => Promise<void>> {
  return vi.fn(async (_response?: unknown) => {
    slack.events.push('ack');
  });
}

function respondSpy(slack: FakeSlackClient): Mock<(message: unknown) => Promise<void>> {
  return vi.fn(async (_message: unknown) => {
    slack.events.push('respond');
  });
}

function common(slack: FakeSlackClient) {
  return {
    client: slack.client,
    logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    context: { botId: 'B0BOT', botUserId: 'U0BOT', teamId: 'T0FAKE', retryNum: undefined, retryReason: undefined },
    next: vi.fn(async () => {}),
    say: vi.fn(async () => ({})),
  };
}

export interface ButtonInput {
  actionId: string;
  /** The button's value: a pause id, or anything a forged click sends. */
  value: string;
  userId: string;
  /** The channel of the message clicked; null: a click on the App Home tab (no channel). */
  channel?: string | null;
}

/** A button click as Bolt hands it to an action listener: the block_actions body Slack sends, and its action. */
export function buildButtonArgs(slack: FakeSlackClient, input: ButtonInput) {
  const body = blockActionPayload({
    actionId: input.actionId,
    value: input.value,
    userId: input.userId,
    responseUrl: 'https://hooks.slack.test/actions/T0FAKE/1/unit',
    ...(input.channel ? { channel: input.channel } : {}),
  });
  if (input.channel === null) {
    delete body.channel;
    delete body.message;
    body.container = { type: 'view', view_id: 'V0HOME' };
    body.view = { id: 'V0HOME', type: 'home' };
  }
  const action = (body.actions as Record<string, unknown>[])[0];
  const ack = ackSpy(slack);
  const respond = respondSpy(slack);
  const args = { ...common(slack), ack, respond, body, action, payload: action } as unknown as ButtonArgs;
  return { args, ack, respond };
}

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** `/looppause <text>` as Bolt hands it to a command listener. */
export function buildCommandArgs(slack: FakeSlackClient, input: { text: string; userId: string; channel?: string }) {
  const command = Object.fromEntries(
    new URLSearchParams(
      slashCommandBody({
        text: input.text,
        userId: input.userId,
        responseUrl: 'https://hooks.slack.test/commands/T0FAKE/1/unit',
        ...(input.channel ? { channel: input.channel } : {}),
      }),
    ),
  );
  const ack = ackSpy(slack);
  const respond = respondSpy(slack);
  const args = { ...common(slack), ack, respond, command, body: command, payload: command } as unknown as CommandArgs;
  return { args, ack, respond };
}

export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * A view_submission of `view` (its callback_id and private_metadata as given) with these answers,
 * keyed by block id (`comment`, `field:<name>`), as Bolt hands it to a view listener.
 */
export function buildViewSubmissionArgs(
  slack: FakeSlackClient,
  input: { view: Pick<ModalView, 'callback_id' | 'private_metadata'>; userId: string; values: Record<string, string> },
) {
  const state: Record<string, Record<string, { type: string; value: string | null }>> = {};
  for (const [blockId, value] of Object.entries(input.values)) {
    const action = blockId === ModalIds.commentBlock ? ModalIds.commentAction : ModalIds.fieldAction;
    state[blockId] = { [action]: { type: 'plain_text_input', value } };
  }
  const body = viewSubmissionPayload({
    userId: input.userId,
    callbackId: String(input.view.callback_id),
    privateMetadata: String(input.view.private_metadata ?? ''),
    values: state,
  });
  const ack = ackSpy(slack);
  const args = { ...common(slack), ack, body, view: body.view, payload: body.view } as unknown as ViewArgs;
  return { args, ack };
}

/** The values of the buttons with this action id anywhere in `blocks` (a list's pause ids). */
export function buttonValues(blocks: unknown, actionId: string): string[] {
  const values: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'button' && o.action_id === actionId && typeof o.value === 'string') values.push(o.value);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return values;
}
