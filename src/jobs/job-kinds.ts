/** Kinds of durable work queued in the store; each runs once across replicas. */
export const JobKind = {
  /** Post the request to Slack. */
  slackPost: 'slack.post',
  /** Send the request by e-mail (idempotent: skips when already sent). */
  emailSend: 'email.send',
  /** Both recipients given: e-mail goes out if no decision came in time. */
  emailFallback: 'email.fallback',
  /** A vote was counted and the pause stays pending: surfaces show the progress. */
  pauseVoted: 'pause.voted',
  /** A pause was created (queued with its first jobs): webhooks send `pause.created`. */
  pauseCreated: 'pause.created',
  /** A pause left `pending`: update every surface that showed it. */
  pauseEnded: 'pause.ended',
  /** Remind the approvers who have not voted (step: which `remind_after`). */
  slackRemind: 'slack.remind',
  emailRemind: 'email.remind',
  /** Escalate (step: which `escalate` entry): post to the step's route, update earlier messages. */
  slackEscalate: 'slack.escalate',
  emailEscalate: 'email.escalate',
  /** A pause event a surface reported (delivered, reminded, escalated): webhooks fan it out. */
  webhookEvent: 'webhook.event',
  /** One event to one webhook endpoint, with its own retry schedule. */
  webhookDeliver: 'webhook.deliver',
} as const;

export type JobKindName = (typeof JobKind)[keyof typeof JobKind];

/** Kinds every surface may act on and none must: a replica without the surface completes them. */
export const NOTICE_KINDS: ReadonlySet<string> = new Set([
  JobKind.pauseEnded,
  JobKind.pauseVoted,
  JobKind.pauseCreated,
]);

export const jobId = (kind: JobKindName, pauseId: string, step?: number) =>
  kind === JobKind.pauseEnded
    ? `ended:${pauseId}`
    : step === undefined
      ? `${kind}:${pauseId}`
      : `${kind}:${step}:${pauseId}`;
