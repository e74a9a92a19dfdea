/** The words every surface shares, declared once: zod schemas, MCP output schemas and types derive from these. */

/** Where a pause stands: `pending` until a human decides (`responded`), it times out, or it is cancelled. */
export const PAUSE_STATES = ['pending', 'responded', 'timed_out', 'cancelled'] as const;
export type PauseState = (typeof PAUSE_STATES)[number];

/**
 * The same on the wire (the API, MCP, webhooks) and in stored records: a cancelled pause reads
 * `expired` there, as it always has. Only the edges translate, with the two functions below.
 */
export const PAUSE_STATUSES = ['pending', 'responded', 'timed_out', 'expired'] as const;
export type PauseStatus = (typeof PAUSE_STATUSES)[number];

export function wireStatus(state: PauseState): PauseStatus {
  return state === 'cancelled' ? 'expired' : state;
}

export function stateOf(status: PauseStatus): PauseState {
  return status === 'expired' ? 'cancelled' : status;
}

/** How a state reads to a human, on every surface. */
export const STATE_LABEL: Record<PauseState, string> = {
  pending: 'pending',
  responded: 'responded',
  timed_out: 'timed out',
  cancelled: 'cancelled',
};

export const DECISIONS = ['approved', 'rejected'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Where a decision was made: by a human in Slack, by e-mail or on the web, or by the operator's policy. */
export const DECISION_CHANNELS = ['slack', 'email', 'web', 'policy'] as const;
export type DecisionChannel = (typeof DECISION_CHANNELS)[number];
