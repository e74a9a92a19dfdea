import { standIn } from '../domain/approvals/index.js';
import type { Delegation } from '../domain/delegation.js';
import { sha256Hex } from '../domain/hash.js';
import type { Deliveries as DeliveryStates, Pause } from '../domain/pause.js';
import { humanKey } from '../domain/policy/humans.js';
import { delegateJobId, JobKind, jobId, type StepJobKind } from '../jobs/job-kinds.js';
import type { JobQueue, NewJob } from '../store/ports/jobs.js';
import type { DeliveryAudit } from '../store/ports/pauses.js';
import type { UseCaseDeps } from './deps.js';
import type { PauseEventOutbox } from './pause-event-outbox.js';
import { emailDomainAllowed } from './recipient-rules.js';

export interface DeliveryOptions {
  slackEnabled: boolean;
  /** With both recipients, e-mail goes out when nobody decided in Slack within this time. */
  emailFallbackAfterMs: number;
  /** LOOPPAUSE_ALLOWED_EMAIL_DOMAINS: no delegate's copy goes outside them. */
  allowedEmailDomains?: readonly string[] | undefined;
}

/**
 * Where a pause is delivered and when: Slack first when it has a Slack recipient and Slack is on;
 * e-mail at once without Slack, else as the fallback when Slack failed or nobody decided in time.
 * Surfaces report how each delivery went here, so every failure is counted in one place.
 */
export class DeliveryPlan {
  constructor(
    private readonly deps: UseCaseDeps<Pick<JobQueue, 'enqueueJob'>>,
    private readonly options: DeliveryOptions,
    /** Where `pause.delivered` is reported (webhooks). */
    private readonly events?: Pick<PauseEventOutbox, 'emit'>,
  ) {}

  /** The work a new pause starts with, stored atomically with it. */
  initialJobs(pause: Pause, nowMs: number): NewJob[] {
    const { recipient_slack: slack, recipient_email: email } = pause.request;
    const slackWillPost = slack !== undefined && this.options.slackEnabled;
    const jobs: NewJob[] = [];
    if (slackWillPost) jobs.push(pauseJob(JobKind.slackPost, pause, nowMs));
    if (email !== undefined) {
      jobs.push(
        slackWillPost
          ? pauseJob(JobKind.emailFallback, pause, nowMs + this.options.emailFallbackAfterMs)
          : pauseJob(JobKind.emailSend, pause, nowMs),
      );
    }
    // Webhooks' `pause.created`: a notice, queued in the same atomic step as the pause.
    jobs.push(pauseJob(JobKind.pauseCreated, pause, nowMs));
    return [...jobs, ...this.stepJobs(pause, slackWillPost)];
  }

  /**
   * The plan's reminders and escalations, each a job due at its time (dropped by the store if the
   * pause ends first). Steps at or after the deadline never run, so they are not queued.
   */
  private stepJobs(pause: Pause, slackWillPost: boolean): NewJob[] {
    const plan = pause.plan;
    if (!plan) return [];
    const createdMs = Date.parse(pause.created_at);
    const expiresMs = Date.parse(pause.expires_at);
    const jobs: NewJob[] = [];
    const at = (kind: StepJobKind, step: number, afterMs: number) => {
      if (createdMs + afterMs < expiresMs) jobs.push(stepJob(kind, pause, createdMs + afterMs, step));
    };
    plan.remind_after_ms.forEach((afterMs, step) => {
      if (slackWillPost) at(JobKind.slackRemind, step, afterMs);
      if (pause.request.recipient_email !== undefined) at(JobKind.emailRemind, step, afterMs);
    });
    plan.escalate.forEach((escalation, step) => {
      if (this.options.slackEnabled && (slackWillPost || escalation.route?.slack !== undefined)) {
        at(JobKind.slackEscalate, step, escalation.after_ms);
      }
      if (escalation.route?.email !== undefined) at(JobKind.emailEscalate, step, escalation.after_ms);
    });
    return jobs;
  }

  /**
   * Slack failed for good, or the fallback time came: the e-mail goes out now, once. Returns
   * whether this call queued it (false: no e-mail recipient, or already queued).
   */
  async handOverToEmail(pause: Pause): Promise<boolean> {
    if (pause.request.recipient_email === undefined) return false;
    return this.deps.store.enqueueJob(pauseJob(JobKind.emailSend, pause, this.deps.now()));
  }

  /**
   * The request goes to the delegates of its away approvers too, each with a link of their own
   * (`email.delegate`, once per pause and delegate): where the delegate may vote in that
   * approver's place on it (the policy's `delegation` mode included) and is an e-mail address.
   * Called once the request has been e-mailed. Returns how many it queued.
   */
  async toDelegates(pause: Pause, delegations: readonly Delegation[], nowMs: number): Promise<number> {
    if (pause.status !== 'pending') return 0;
    let queued = 0;
    for (const delegation of delegations) {
      if (!delegation.delegate.includes('@')) continue;
      if (!emailDomainAllowed(delegation.delegate, this.options.allowedEmailDomains)) continue;
      const stand = standIn(pause, [delegation.delegate], [delegation], nowMs);
      if (stand === undefined || !('for' in stand)) continue;
      const queuedNow = await this.deps.store.enqueueJob({
        id: delegateJobId(pause.pause_id, delegateKey(delegation.delegate)),
        kind: JobKind.emailDelegate,
        data: { pause_id: pause.pause_id, delegate: delegation.delegate },
        run_at: nowMs,
      });
      if (queuedNow) queued++;
    }
    return queued;
  }

  /**
   * A delegation just began: the requests already e-mailed that wait on the away person go to the
   * delegate too (the first 2,000, newest first). Returns how many it queued.
   */
  async toNewDelegate(delegation: Delegation, nowMs: number): Promise<number> {
    if (!delegation.delegate.includes('@')) return 0;
    let cursor: string | undefined;
    let queued = 0;
    for (let page = 0; page < 20; page++) {
      const found = await this.deps.store.listWaiting({
        deciders: [humanKey(delegation.absent)],
        limit: 100,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const pause of found.items) {
        if (pause.delivery.email?.state === 'sent') queued += await this.toDelegates(pause, [delegation], nowMs);
      }
      if (found.next_cursor === null) break;
      cursor = found.next_cursor;
    }
    return queued;
  }

  /** Records how the delivery under `key` went (`slack`, `email_remind_0`, …), beside the pause; failures and retries are counted. */
  async record<K extends keyof DeliveryStates>(
    pauseId: string,
    key: K,
    state: NonNullable<DeliveryStates[K]>,
  ): Promise<void> {
    if (state.state === 'failed' || state.state === 'retrying') {
      // One label for every delegate's copy: a label per address would grow without bound.
      const surface = String(key).startsWith('email_delegate_') ? 'email_delegate' : key;
      this.deps.metrics?.deliveryFailures.inc({ surface });
    }
    const delivery = deliveryKey(String(key));
    // Reported before it is recorded: the post or send happened, so a crash in between must not lose the event.
    if (delivery && (state.state === 'posted' || state.state === 'sent')) await this.report(pauseId, delivery);
    const audit = delivery && deliveryAudit(delivery, state, this.deps.now());
    await this.deps.store.setDelivery(pauseId, key, state, ...(audit ? [audit] : []));
  }

  /**
   * A request posted or sent — the first time, a reminder or an escalation — is a pause event for
   * webhooks: `pause.delivered`, `pause.reminded`, `pause.escalated` (one per step, whichever
   * surface reports it first).
   */
  private async report(pauseId: string, delivery: DeliveryKey): Promise<void> {
    if (!this.events) return;
    if (delivery.type === 'pause.delivered') {
      await this.events.emit(pauseId, delivery.type, { channel: delivery.surface });
    } else {
      await this.events.emit(pauseId, delivery.type, { step: delivery.step });
    }
  }
}

/** What a delivery record is about: its surface, the event it makes when done, and the plan's step if any. */
type DeliveryKey =
  | { surface: 'slack' | 'email'; type: 'pause.delivered'; step?: undefined }
  | { surface: 'slack' | 'email'; type: 'pause.reminded' | 'pause.escalated'; step: number };

/**
 * The one reading of a delivery key: `slack` or `email` (the request itself), `<surface>_remind_<n>`
 * (a reminder) or `<surface>_escalate_<n>` (an escalation). Undefined for anything else.
 */
function deliveryKey(key: string): DeliveryKey | undefined {
  if (key === 'slack' || key === 'email') return { surface: key, type: 'pause.delivered' };
  const step = /^(slack|email)_(remind|escalate)_(\d+)$/.exec(key);
  if (!step) return undefined;
  return {
    surface: step[1] as 'slack' | 'email',
    type: step[2] === 'remind' ? 'pause.reminded' : 'pause.escalated',
    step: Number(step[3]),
  };
}

/**
 * The audit entry a delivery record is: delivered, delivery failed, reminded, escalated.
 * Scheduling and retries are not audited: they are not changes a human or agent made happen.
 */
function deliveryAudit(
  delivery: DeliveryKey,
  state: { state: string; error?: string },
  atMs: number,
): DeliveryAudit | undefined {
  const done = state.state === 'posted' || state.state === 'sent';
  const type = done
    ? delivery.type
    : delivery.step === undefined && state.state === 'failed'
      ? 'pause.delivery_failed'
      : undefined;
  if (!type) return undefined;
  const data = {
    surface: delivery.surface,
    ...(delivery.step === undefined ? {} : { step: delivery.step }),
    ...(state.error ? { error: state.error } : {}),
  };
  return { type, actor: 'system', data, atMs };
}

/** A job of the pause's own, no step: its post, send, fallback, `pause.created`. */
function pauseJob(
  kind:
    | typeof JobKind.slackPost
    | typeof JobKind.emailSend
    | typeof JobKind.emailFallback
    | typeof JobKind.pauseCreated,
  pause: Pause,
  runAt: number,
): NewJob {
  return { id: jobId(kind, pause.pause_id), kind, data: { pause_id: pause.pause_id }, run_at: runAt };
}

/** A reminder or an escalation: a step of the pause's plan. */
function stepJob(kind: StepJobKind, pause: Pause, runAt: number, step: number): NewJob {
  return { id: jobId(kind, pause.pause_id, step), kind, data: { pause_id: pause.pause_id, step }, run_at: runAt };
}

/** The delivery key a delegate's copy of the request is recorded under: `email_delegate_<32 hex>`. */
export function delegateDeliveryKey(delegate: string): `email_delegate_${string}` {
  return `email_delegate_${delegateKey(delegate)}`;
}

/** A delegate's address as a key: the same for every spelling of it. */
function delegateKey(delegate: string): string {
  return sha256Hex(humanKey(delegate)).slice(0, 32);
}
