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
  /** The request e-mailed to the delegate of an away approver of it, with the delegate's own link. */
  emailDelegate: 'email.delegate',
  /** A pause event a surface reported (delivered, reminded, escalated): webhooks fan it out. */
  webhookEvent: 'webhook.event',
  /** One event to one webhook endpoint, with its own retry schedule. */
  webhookDeliver: 'webhook.deliver',
} as const;

export type JobKindName = (typeof JobKind)[keyof typeof JobKind];

/** Every job is about one pause. */
export interface PauseJobData {
  pause_id: string;
}

/** Reminders and escalations: which step of the pause's plan (`remind_after_ms` or `escalate`). */
export interface StepJobData extends PauseJobData {
  step: number;
}

/** `email.delegate`: whom to send the request to (the delegate as their delegation names them). */
export interface DelegateJobData extends PauseJobData {
  delegate: string;
}

/** The pause events surfaces report; the others (created, decided, timed out, cancelled) follow from the store's own transitions. */
export const REPORTED_EVENT_TYPES = ['pause.delivered', 'pause.reminded', 'pause.escalated'] as const;
export type ReportedEventType = (typeof REPORTED_EVENT_TYPES)[number];

/** What tells one reported event from another of the same pause: the channel delivered on, or the plan's step. */
export type ReportedEventDetail = { channel: 'slack' | 'email' } | { step: number };

/** `webhook.event`: the event a surface reported, to fan out. */
export interface ReportedEventJobData extends PauseJobData {
  type: ReportedEventType;
  detail: ReportedEventDetail;
}

/** `webhook.deliver`: one stored event to one endpoint. */
export interface DeliveryJobData extends PauseJobData {
  endpoint_id: string;
  event_id: string;
}

/**
 * What a job of each kind carries (BullMQ's `job.data`): everything its handler needs. A job's id
 * only de-duplicates; nothing is read back out of it.
 */
export interface JobDataByKind {
  [JobKind.slackPost]: PauseJobData;
  [JobKind.emailSend]: PauseJobData;
  [JobKind.emailFallback]: PauseJobData;
  [JobKind.pauseVoted]: PauseJobData;
  [JobKind.pauseCreated]: PauseJobData;
  [JobKind.pauseEnded]: PauseJobData;
  [JobKind.slackRemind]: StepJobData;
  [JobKind.emailRemind]: StepJobData;
  [JobKind.slackEscalate]: StepJobData;
  [JobKind.emailEscalate]: StepJobData;
  [JobKind.emailDelegate]: DelegateJobData;
  [JobKind.webhookEvent]: ReportedEventJobData;
  [JobKind.webhookDeliver]: DeliveryJobData;
}

export type JobData<K extends JobKindName = JobKindName> = JobDataByKind[K];

/** Kinds every surface may act on and none must: a replica without the surface completes them. */
export const NOTICE_KINDS: ReadonlySet<string> = new Set([
  JobKind.pauseEnded,
  JobKind.pauseVoted,
  JobKind.pauseCreated,
]);

/** Kinds whose jobs are steps of a pause's plan: the store drops those not yet run when the pause ends. */
export type StepJobKind =
  | typeof JobKind.slackRemind
  | typeof JobKind.emailRemind
  | typeof JobKind.slackEscalate
  | typeof JobKind.emailEscalate;

export const STEP_KINDS: ReadonlySet<string> = new Set<StepJobKind>([
  JobKind.slackRemind,
  JobKind.emailRemind,
  JobKind.slackEscalate,
  JobKind.emailEscalate,
]);

/*
 * Job ids, every recipe in one place (the Lua scripts get theirs from here too). An id only
 * de-duplicates: a job whose id is already queued is not queued again.
 */

/** `pause.ended`: one per pause, whichever way it ends (the scripts append the pause id). */
export const ENDED_JOB_ID_PREFIX = 'ended:';

/** A pause's own jobs: `<kind>:<pause>`, a step's `<kind>:<step>:<pause>`, `ended:<pause>`. */
export const jobId = (kind: JobKindName, pauseId: string, step?: number) =>
  kind === JobKind.pauseEnded
    ? `${ENDED_JOB_ID_PREFIX}${pauseId}`
    : step === undefined
      ? `${kind}:${pauseId}`
      : `${kind}:${step}:${pauseId}`;

/** `email.delegate`: one per pause and delegate (by `delegateKey`), however often it is queued. */
export const delegateJobId = (pauseId: string, delegateKey: string) =>
  `${JobKind.emailDelegate}:${delegateKey}:${pauseId}`;

/** `pause.voted`: one per counted vote, the n-th vote of the pause. */
export const votedJobId = (pauseId: string, votes: number) => `voted:${pauseId}:${votes}`;

/** `webhook.event`: one per reported event (the channel, or the step, tells them apart). */
export const reportedEventJobId = (type: ReportedEventType, pauseId: string, detail: ReportedEventDetail) =>
  `${JobKind.webhookEvent}:${type}:${pauseId}:${'channel' in detail ? detail.channel : detail.step}`;

/** `webhook.deliver`: one event to one endpoint, so fanning out again never duplicates a queued one. */
export const deliveryJobId = (endpointId: string, eventId: string) =>
  `${JobKind.webhookDeliver}:${endpointId}:${eventId}`;
