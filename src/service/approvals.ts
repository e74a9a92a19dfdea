import { LoopPauseError, notFound } from '../domain/errors.js';
import { missingRequired, pickAnswers } from '../domain/fields.js';
import { requestDigest } from '../domain/idempotency.js';
import { newNonce, newPauseId } from '../domain/ids.js';
import {
  type DecisionChannel,
  expiresAt,
  MANDATORY_NEXT_STEP,
  mayDecide,
  type Pause,
  type PauseStatus,
  type PauseView,
  toView,
  withEffectiveStatus,
} from '../domain/pause.js';
import {
  type ApprovalRequest,
  cancelApprovalSchema,
  checkApprovalSchema,
  type Decision,
  requestApprovalSchema,
} from '../domain/schemas.js';
import { actionDigest, signDecision } from '../domain/signing.js';
import { parseInput } from '../domain/validation.js';
import type { Metrics } from '../metrics.js';
import type { NewTask, Page, Store, Watch } from '../store/store.js';
import { TaskKind, taskId } from './tasks.js';

export interface ApprovalServiceOptions {
  store: Store;
  signingSecret: string;
  /** Whether a Slack surface is configured; without it `recipient_slack` alone is refused. */
  slackEnabled: boolean;
  emailFallbackAfterMs: number;
  /** Operator policy: e-mail recipients and approvers only in these domains (unset: any). */
  allowedEmailDomains?: readonly string[];
  /** Operator policy: `recipient_slack` only one of these (`#name` lower case, or an id; unset: any). */
  allowedSlackChannels?: readonly string[];
  /** Waiting checks one agent may hold in this process; past it a check answers at once. */
  maxWaitingPerKey?: number;
  now?: () => number;
  /** Called after a new pause is stored, e.g. to run its delivery tasks right away. */
  onCreated?: (pause: Pause) => void;
  metrics?: Metrics;
}

export interface RequestResult {
  pause_id: string;
  /** `pending`, unless an idempotency key returned an earlier pause that has ended since. */
  status: PauseStatus;
  expires_at: string;
  MANDATORY_NEXT_STEP: string;
}

export interface CancelResult {
  pause_id: string;
  status: PauseStatus;
  cancelled: boolean;
  message: string;
}

export interface DecisionInput {
  decision: Decision;
  comment?: string;
  fields?: Record<string, string>;
  /** E-mail where known, else the Slack user id. */
  responder: string;
  channel: DecisionChannel;
  /** Every identity of the human (e-mail, Slack id) checked against `approvers`. */
  identities: string[];
}

export type DecideOutcome =
  | { outcome: 'decided'; pause: Pause }
  | { outcome: 'already_final'; pause: Pause }
  | { outcome: 'not_approver'; pause: Pause }
  | { outcome: 'missing_fields'; pause: Pause; fields: string[] };

/** The use cases every surface shares. Surfaces parse their wire format and call these. */
export class ApprovalService {
  private readonly store: Store;
  private readonly secret: string;
  private readonly slackEnabled: boolean;
  private readonly fallbackAfterMs: number;
  private readonly allowedEmailDomains: readonly string[] | undefined;
  private readonly allowedSlackChannels: readonly string[] | undefined;
  private readonly maxWaitingPerKey: number;
  private readonly waitingByAgent = new Map<string, number>();
  readonly now: () => number;
  private stopped = false;
  private readonly openWatches = new Set<Watch>();
  private readonly onCreated: ((pause: Pause) => void) | undefined;
  private readonly metrics: Metrics | undefined;

  constructor(options: ApprovalServiceOptions) {
    this.store = options.store;
    this.secret = options.signingSecret;
    this.slackEnabled = options.slackEnabled;
    this.fallbackAfterMs = options.emailFallbackAfterMs;
    this.allowedEmailDomains = options.allowedEmailDomains;
    this.allowedSlackChannels = options.allowedSlackChannels;
    this.maxWaitingPerKey = options.maxWaitingPerKey ?? 100;
    this.now = options.now ?? Date.now;
    this.onCreated = options.onCreated;
    this.metrics = options.metrics;
  }

  async request(agentId: string, args: unknown): Promise<RequestResult> {
    return (await this.requestWithOutcome(agentId, args)).result;
  }

  /** `created` is false when an idempotency key returned an earlier pause. */
  async requestWithOutcome(agentId: string, args: unknown): Promise<{ result: RequestResult; created: boolean }> {
    const request = parseInput(requestApprovalSchema, args);
    if (request.recipient_slack !== undefined && !this.slackEnabled && request.recipient_email === undefined) {
      throw new LoopPauseError(
        'invalid_argument',
        'recipient_slack: Slack is not configured on this LoopPause server; give recipient_email instead',
        'recipient_slack',
      );
    }
    this.checkEmailDomains(request);
    this.checkSlackChannel(request);
    const nowMs = this.now();
    const pauseId = newPauseId();
    const pause: Pause = {
      pause_id: pauseId,
      agent_id: agentId,
      status: 'pending',
      created_at: new Date(nowMs).toISOString(),
      expires_at: new Date(expiresAt(nowMs, request.timeout_hours)).toISOString(),
      request,
      action_digest: actionDigest(request),
      delivery: {},
    };
    const { idempotency_key: idempotencyKey } = request;
    const result = await this.store.createPause({
      pause,
      tasks: this.deliveryTasks(pause, nowMs),
      ...(idempotencyKey === undefined
        ? {}
        : { idempotency: { key: idempotencyKey, requestDigest: requestDigest(request) } }),
    });
    if (result.outcome === 'conflict') {
      throw new LoopPauseError(
        'conflict',
        `idempotency_key: this key was already used for a different request (${result.pauseId}); ` +
          'a retry must repeat the request exactly, a new request needs a new key',
        'idempotency_key',
      );
    }
    const { pause: stored } = result;
    const created = result.outcome === 'created';
    if (created) {
      this.metrics?.pausesCreated.inc({ recipients: recipientsLabel(pause) });
      this.onCreated?.(pause);
    }
    return {
      created,
      result: {
        pause_id: stored.pause_id,
        status: withEffectiveStatus(stored, nowMs).status,
        expires_at: stored.expires_at,
        MANDATORY_NEXT_STEP,
      },
    };
  }

  /** SPEC §4 check_approval: holds up to `wait_seconds` for a change, woken by the store. */
  async check(agentId: string, args: unknown, signal?: AbortSignal): Promise<PauseView> {
    const { pause_id: pauseId, wait_seconds: waitSeconds } = parseInput(checkApprovalSchema, args);
    const waiting = this.waitingByAgent.get(agentId) ?? 0;
    if (waitSeconds === 0 || waiting >= this.maxWaitingPerKey) return toView(await this.ownedPause(agentId, pauseId));
    const deadline = this.now() + waitSeconds * 1000;
    const watch = this.store.watch(pauseId);
    const onAbort = () => watch.close();
    // The open watches in a set, not a listener each on one shutdown signal: removing one of
    // thousands of listeners from an AbortSignal walks them all.
    this.openWatches.add(watch);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.metrics?.waitingChecks.inc();
    this.waitingByAgent.set(agentId, waiting + 1);
    try {
      for (;;) {
        const pause = await this.ownedPause(agentId, pauseId);
        const nowMs = this.now();
        const remaining = deadline - nowMs;
        if (pause.status !== 'pending' || remaining <= 0 || this.stopped || signal?.aborted) return toView(pause);
        // Wake at the deadline of the pause too: a timeout is a change nobody publishes in time otherwise.
        await watch.next(Math.min(remaining, Math.max(1, Date.parse(pause.expires_at) - nowMs + 5)));
      }
    } finally {
      this.metrics?.waitingChecks.dec();
      const left = (this.waitingByAgent.get(agentId) ?? 1) - 1;
      if (left > 0) this.waitingByAgent.set(agentId, left);
      else this.waitingByAgent.delete(agentId);
      signal?.removeEventListener('abort', onAbort);
      this.openWatches.delete(watch);
      watch.close();
    }
  }

  /** Shutdown: every waiting check answers now with the current status. */
  stopWaiting(): void {
    this.stopped = true;
    for (const watch of this.openWatches) watch.close();
  }

  async cancel(agentId: string, args: unknown): Promise<CancelResult> {
    const { pause_id: pauseId, reason } = parseInput(cancelApprovalSchema, args);
    await this.ownedPause(agentId, pauseId);
    const result = await this.store.cancel(pauseId, reason, this.now());
    if (result.outcome === 'not_found') throw notFound(pauseId);
    const { pause } = result;
    if (result.outcome === 'ended') {
      this.metrics?.pausesEnded.inc({ outcome: 'cancelled', channel: 'agent' });
      return {
        pause_id: pauseId,
        status: pause.status,
        cancelled: true,
        message: 'Cancelled: the request is withdrawn.',
      };
    }
    return {
      pause_id: pauseId,
      status: pause.status,
      cancelled: false,
      message: `Nothing changed: the pause had already ended (${pause.status}).`,
    };
  }

  async list(
    agentId: string,
    query: { status?: PauseStatus; limit: number; cursor?: string },
  ): Promise<Page<PauseView>> {
    const page = await this.store.listPauses({ ...query, agentId });
    const nowMs = this.now();
    return { items: page.items.map((p) => toView(withEffectiveStatus(p, nowMs))), next_cursor: page.next_cursor };
  }

  /** For surfaces (Slack, e-mail): any pause by id, its status as of now. */
  async get(pauseId: string): Promise<Pause | null> {
    const pause = await this.store.getPause(pauseId);
    return pause ? withEffectiveStatus(pause, this.now()) : null;
  }

  /** A human decides. Exactly one decision wins, whatever the races; the others get the winner. */
  async decide(pauseId: string, input: DecisionInput): Promise<DecideOutcome> {
    const pause = await this.get(pauseId);
    if (!pause) throw notFound(pauseId);
    if (pause.status !== 'pending') return { outcome: 'already_final', pause };
    if (!mayDecide(pause, input.identities)) return { outcome: 'not_approver', pause };
    const asked = pause.request.response_fields ?? [];
    const fields = pickAnswers(asked, input.fields ?? {});
    const missing = missingRequired(asked, fields);
    if (input.decision === 'approved' && missing.length > 0)
      return { outcome: 'missing_fields', pause, fields: missing };
    const nowMs = this.now();
    const response = signDecision(this.secret, {
      decision: input.decision,
      comment: input.comment ?? '',
      fields,
      responder: input.responder,
      responded_at: new Date(nowMs).toISOString(),
      channel: input.channel,
      nonce: newNonce(),
      pause_id: pauseId,
      action_digest: pause.action_digest,
    });
    const result = await this.store.decide(pauseId, response, nowMs);
    if (result.outcome === 'not_found') throw notFound(pauseId);
    if (result.outcome === 'ended') {
      this.metrics?.pausesEnded.inc({ outcome: input.decision, channel: input.channel });
      this.metrics?.timeToDecision.observe({ channel: input.channel }, (nowMs - Date.parse(pause.created_at)) / 1000);
    }
    return { outcome: result.outcome === 'ended' ? 'decided' : 'already_final', pause: result.pause };
  }

  private async ownedPause(agentId: string, pauseId: string): Promise<Pause> {
    const pause = await this.get(pauseId);
    // Another key's pause is indistinguishable from one that does not exist.
    if (!pause || pause.agent_id !== agentId) throw notFound(pauseId);
    return pause;
  }

  /** A prompt-injected agent must not route an approval to an address it controls. */
  private checkEmailDomains(request: ApprovalRequest): void {
    const allowed = this.allowedEmailDomains;
    if (!allowed) return;
    const addresses: [string, string][] = [];
    if (request.recipient_email !== undefined) addresses.push(['recipient_email', request.recipient_email]);
    for (const [i, approver] of (request.approvers ?? []).entries()) {
      if (approver.includes('@')) addresses.push([`approvers.${i}`, approver]);
    }
    for (const [field, address] of addresses) {
      const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
      if (!allowed.includes(domain)) {
        throw new LoopPauseError(
          'invalid_argument',
          `${field}: ${domain} is not a domain this LoopPause server sends approvals to (allowed: ${allowed.join(', ')})`,
          field,
        );
      }
    }
  }

  private checkSlackChannel(request: ApprovalRequest): void {
    const allowed = this.allowedSlackChannels;
    const target = request.recipient_slack;
    if (!allowed || target === undefined) return;
    const normalized = target.startsWith('#') ? target.toLowerCase() : target;
    if (allowed.includes(normalized)) return;
    throw new LoopPauseError(
      'invalid_argument',
      `recipient_slack: ${target} is not a Slack destination this LoopPause server sends approvals to (allowed: ${allowed.join(', ')})`,
      'recipient_slack',
    );
  }

  private deliveryTasks(pause: Pause, nowMs: number): NewTask[] {
    const { recipient_slack: slack, recipient_email: email } = pause.request;
    const task = (kind: (typeof TaskKind)[keyof typeof TaskKind], runAt: number): NewTask => ({
      id: taskId(kind, pause.pause_id),
      kind,
      pause_id: pause.pause_id,
      run_at: runAt,
    });
    const tasks: NewTask[] = [];
    const slackWillPost = slack !== undefined && this.slackEnabled;
    if (slackWillPost) tasks.push(task(TaskKind.slackPost, nowMs));
    if (email !== undefined) {
      tasks.push(
        slackWillPost ? task(TaskKind.emailFallback, nowMs + this.fallbackAfterMs) : task(TaskKind.emailSend, nowMs),
      );
    }
    return tasks;
  }
}

function recipientsLabel(pause: Pause): string {
  const { recipient_slack: slack, recipient_email: email } = pause.request;
  return slack && email ? 'slack+email' : slack ? 'slack' : 'email';
}
