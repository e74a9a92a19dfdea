import { createHmac } from 'node:crypto';

/** Requests built byte-for-byte as Slack sends them, signed with the v0 scheme. */

export const SLACK_SIGNING_SECRET = 'slack-signing-secret-for-tests-0123';

function slackSignature(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export interface SendOptions {
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Leave the signature headers out. */
  unsigned?: boolean;
  secret?: string;
}

export async function sendToSlackEndpoint(
  baseUrl: string,
  rawBody: string,
  contentType: 'application/x-www-form-urlencoded' | 'application/json',
  options: SendOptions = {},
): Promise<Response> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  if (!options.unsigned) {
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] = slackSignature(options.secret ?? SLACK_SIGNING_SECRET, timestamp, rawBody);
  }
  return fetch(new URL('/slack/events', baseUrl), { method: 'POST', headers, body: rawBody });
}

/** Interactive payloads arrive form-encoded as `payload=<json>`. */
export function formPayload(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

const TEAM = { id: 'T0FAKE', domain: 'fake' };

export interface ClickInput {
  actionId: string;
  value: string;
  userId: string;
  channel?: string;
  messageTs?: string;
  responseUrl: string;
  ephemeral?: boolean;
}

function slackUser(id: string) {
  return { id, username: id.toLowerCase(), name: id.toLowerCase(), team_id: TEAM.id };
}

/** A signed button click, as Slack posts it to `/slack/events`. */
export function sendClick(baseUrl: string, input: ClickInput): Promise<Response> {
  return sendToSlackEndpoint(baseUrl, formPayload(blockActionPayload(input)), 'application/x-www-form-urlencoded');
}

export function blockActionPayload(input: ClickInput): Record<string, unknown> {
  const channel = input.channel ?? 'C0APPROVALS';
  const ts = input.messageTs ?? '1700000001.000001';
  return {
    type: 'block_actions',
    user: slackUser(input.userId),
    api_app_id: 'A0LOOPPAUSE',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: input.ephemeral ?? false },
    trigger_id: `${Date.now()}.1234567890.${Math.random().toString(16).slice(2)}`,
    team: TEAM,
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel, name: 'approvals' },
    message: { type: 'message', ts, text: 'Approval needed', user: 'U0BOT', bot_id: 'B0BOT' },
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [
      {
        action_id: input.actionId,
        block_id: `decide:${input.value}`,
        text: { type: 'plain_text', text: 'Approve', emoji: true },
        value: input.value,
        style: 'primary',
        type: 'button',
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

export function viewSubmissionPayload(input: {
  userId: string;
  callbackId: string;
  privateMetadata: string;
  values: Record<string, Record<string, { type: string; value: string | null }>>;
}): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: TEAM,
    user: slackUser(input.userId),
    api_app_id: 'A0LOOPPAUSE',
    token: 'legacy-verification-token',
    trigger_id: `${Date.now()}.1234567890.abcdef`,
    view: {
      id: 'V0FAKE',
      team_id: TEAM.id,
      type: 'modal',
      callback_id: input.callbackId,
      private_metadata: input.privateMetadata,
      state: { values: input.values },
      hash: '1700000000.abc',
      title: { type: 'plain_text', text: 'Approve request' },
      blocks: [],
      app_id: 'A0LOOPPAUSE',
      bot_id: 'B0BOT',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function slashCommandBody(input: {
  text: string;
  userId: string;
  responseUrl: string;
  channel?: string;
}): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: input.channel ?? 'C0APPROVALS',
    channel_name: 'approvals',
    user_id: input.userId,
    user_name: input.userId.toLowerCase(),
    command: '/looppause',
    text: input.text,
    api_app_id: 'A0LOOPPAUSE',
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: `${Date.now()}.1234567890.abcdef`,
  }).toString();
}

export function appHomeOpenedBody(userId: string): string {
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: TEAM.id,
    api_app_id: 'A0LOOPPAUSE',
    event: { type: 'app_home_opened', user: userId, channel: 'D0HOME', tab: 'home', event_ts: `${Date.now() / 1000}` },
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: TEAM.id, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  });
}
