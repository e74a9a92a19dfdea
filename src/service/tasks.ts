/** Kinds of durable work queued in the store; each runs once across replicas. */
export const TaskKind = {
  /** Post the request to Slack. */
  slackPost: 'slack.post',
  /** Send the request by e-mail (idempotent: skips when already sent). */
  emailSend: 'email.send',
  /** Both recipients given: e-mail goes out if no decision came in time. */
  emailFallback: 'email.fallback',
  /** A pause left `pending`: update every surface that showed it. */
  pauseEnded: 'pause.ended',
} as const;

export type TaskKindName = (typeof TaskKind)[keyof typeof TaskKind];

export const taskId = (kind: TaskKindName, pauseId: string) =>
  kind === TaskKind.pauseEnded ? `ended:${pauseId}` : `${kind}:${pauseId}`;
