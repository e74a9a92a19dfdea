import type { Pause, SlackDelivery } from '../domain/pause.js';

/** Where a Slack message of a pause lives. */
export interface PostedMessage {
  channel: string;
  ts: string;
}

export const remindKey = (step: number) => `slack_remind_${step}` as const;
export const escalateKey = (step: number) => `slack_escalate_${step}` as const;

function posted(delivery: SlackDelivery | undefined): PostedMessage | undefined {
  return delivery?.state === 'posted' && delivery.channel && delivery.ts
    ? { channel: delivery.channel, ts: delivery.ts }
    : undefined;
}

/** The request as first posted (its thread holds the reminders). */
export function requestPost(pause: Pause): PostedMessage | undefined {
  return posted(pause.delivery.slack);
}

/** The request as posted to escalation step `step`'s Slack route. */
function escalationPost(pause: Pause, step: number): PostedMessage | undefined {
  return posted(pause.delivery[escalateKey(step)]);
}

/** Every message that shows the request (the first post, then each escalation's), for updates. */
export function postedMessages(pause: Pause): PostedMessage[] {
  const steps = pause.plan?.escalate ?? [];
  return [requestPost(pause), ...steps.map((_, step) => escalationPost(pause, step))].filter(
    (m): m is PostedMessage => m !== undefined,
  );
}
