/** The words every surface shares, declared once: zod schemas, MCP output schemas and types derive from these. */

/** Where a pause stands: `pending` until a human decides (`responded`), it times out, or it is cancelled (`expired`). */
export const PAUSE_STATUSES = ['pending', 'responded', 'timed_out', 'expired'] as const;
export type PauseStatus = (typeof PAUSE_STATUSES)[number];

export const DECISIONS = ['approved', 'rejected'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Where a decision was made: by a human in Slack, by e-mail or on the web, or by the operator's policy. */
export const DECISION_CHANNELS = ['slack', 'email', 'web', 'policy'] as const;
export type DecisionChannel = (typeof DECISION_CHANNELS)[number];
