/** Kinds of durable work queued in the store; each runs once across replicas. */
export const JobKind = {
  /** Post the request to Slack. */
  slackPost: 'slack.post',
  /** Send the request by e-mail (idempotent: skips when already sent). */
  emailSend: 'email.send',
  /** Both recipients given: e-mail goes out if no decision came in time. */
  emailFallback: 'email.fallback',
  /** A pause left `pending`: update every surface that showed it. */
  pauseEnded: 'pause.ended',
} as const;

export type JobKindName = (typeof JobKind)[keyof typeof JobKind];

export const jobId = (kind: JobKindName, pauseId: string) =>
  kind === JobKind.pauseEnded ? `ended:${pauseId}` : `${kind}:${pauseId}`;
