import type { Delegation } from '../domain/delegation.js';
import { LoopPauseError } from '../domain/errors.js';
import type { Pause, PauseView } from '../domain/pause.js';
import type { PolicyOutcome } from '../domain/policy/index.js';
import type { ToolCallAnswer } from '../domain/tool-calls.js';
import type { Decision } from '../domain/vocabulary.js';
import type { Metrics } from '../metrics.js';
import type { ReceiptSigner } from '../receipts/signer.js';
import type { AuditLog } from '../store/ports/audit.js';
import type { DelegationStore } from '../store/ports/delegations.js';
import type { JobQueue } from '../store/ports/jobs.js';
import type { PauseEvents } from '../store/ports/pause-events.js';
import type { Page, PauseStore } from '../store/ports/pauses.js';
import { type CancelResult, cancelApproval } from './cancel.js';
import { WaitingChecks } from './check.js';
import { type DecideDeps, type DecideOutcome, type DecisionInput, decideApproval } from './decide.js';
import { DeliveryPlan } from './deliveries.js';
import { endAtDeadline } from './end-at-deadline.js';
import { endDelegation } from './end-delegation.js';
import { explainRequest, explainRuleOnly, type PolicyExplanation, parseExplainInput } from './explain-policy.js';
import type { IdentityDirectory } from './identity-links.js';
import { answerOf, claimAnswer, type JudgeOptions, type JudgeToolCallDeps, judgeToolCall } from './judge-tool-call.js';
import { type ListQuery, listApprovals } from './list.js';
import { findOwnPause, loadPause } from './load-pause.js';
import { PauseEventOutbox } from './pause-event-outbox.js';
import type { PolicyRefusalSink, PolicySource } from './policy-gate.js';
import type { RecipientRules } from './recipient-rules.js';
import { type RequestDeps, type RequestResult, requestApproval } from './request.js';
import { type DelegationDeps, setDelegation } from './set-delegation.js';
import { pauseTimeline, type TimelineEntry } from './timeline.js';

export interface ApprovalServiceOptions extends Omit<RecipientRules, 'slackEnabled'> {
  /** Deliveries enqueue jobs; waiting checks watch pauses; timelines come from the audit log. */
  store: PauseStore & PauseEvents & Pick<JobQueue, 'enqueueJob'> & Pick<AuditLog, 'pauseTimeline'>;
  signingSecret: string;
  /** Signs every decision's Ed25519 receipt (main.ts builds one). */
  receipts?: ReceiptSigner | undefined;
  /** Whether a Slack surface is configured; without it `recipient_slack` alone is refused. */
  slackEnabled: boolean;
  emailFallbackAfterMs: number;
  /** Waiting checks one agent may hold in this process; past it a check answers at once. */
  maxWaitingPerKey?: number;
  now?: () => number;
  metrics?: Metrics;
  /** The operator's policy file, when one is in force. */
  policy?: PolicySource;
  /** The human who owns an API key (by its name), for maker-checker rules. */
  ownerOf?: (agentId: string) => Promise<string | undefined>;
  /** Policy refusals in full, for the operator's log (the agent hears only that the policy does not allow it). */
  onPolicyRefusal?: PolicyRefusalSink;
  /**
   * Slack's links between accounts and addresses, for telling voters apart (maker-checker, quorum).
   * Without one, a vote links only the Slack id and e-mail its surface gave.
   */
  identities?: IdentityDirectory | undefined;
  /** The longest a tool call waits for a human (LOOPPAUSE_HOOK_WAIT_SECONDS); 540 when not given. */
  hookWaitSeconds?: number;
  /**
   * Away approvers and their delegates, with the audit log their changes go on. Without it nobody
   * may delegate (the delegation methods refuse) and no vote counts in anyone's place.
   */
  delegations?: { store: DelegationStore; audit: DelegationDeps['audit'] } | undefined;
}

/**
 * The use cases every surface shares, bound to one store and clock. Surfaces parse their wire
 * format and call these; each use case lives in its own module beside this one.
 */
export class ApprovalService {
  readonly now: () => number;
  private readonly store: ApprovalServiceOptions['store'];
  readonly deliveries: DeliveryPlan;
  /** Surfaces report pause events here (delivered, reminded, escalated): webhooks send them on. */
  readonly events: PauseEventOutbox;
  private readonly requestDeps: RequestDeps;
  private readonly decideDeps: DecideDeps;
  private readonly waiting: WaitingChecks;
  private readonly toolCallDeps: JudgeToolCallDeps;
  private readonly delegationDeps: DelegationDeps | undefined;

  constructor(options: ApprovalServiceOptions) {
    this.now = options.now ?? Date.now;
    this.store = options.store;
    const deps = { store: options.store, now: this.now, metrics: options.metrics };
    this.events = new PauseEventOutbox(deps);
    this.deliveries = new DeliveryPlan(
      deps,
      {
        slackEnabled: options.slackEnabled,
        emailFallbackAfterMs: options.emailFallbackAfterMs,
        allowedEmailDomains: options.allowedEmailDomains,
      },
      this.events,
    );
    this.requestDeps = {
      ...deps,
      recipients: {
        slackEnabled: options.slackEnabled,
        allowedEmailDomains: options.allowedEmailDomains,
        allowedSlackChannels: options.allowedSlackChannels,
      },
      deliveries: this.deliveries,
      signingSecret: options.signingSecret,
      receipts: options.receipts,
      policy: options.policy,
      ownerOf: options.ownerOf,
      onPolicyRefusal: options.onPolicyRefusal,
    };
    this.decideDeps = {
      ...deps,
      signingSecret: options.signingSecret,
      receipts: options.receipts,
      policy: options.policy,
      identities: options.identities,
      delegations: options.delegations?.store,
    };
    this.delegationDeps = options.delegations
      ? {
          delegations: options.delegations.store,
          audit: options.delegations.audit,
          policy: options.policy,
          allowedEmailDomains: options.allowedEmailDomains,
          now: this.now,
        }
      : undefined;
    this.waiting = new WaitingChecks(deps, options.maxWaitingPerKey ?? 100);
    this.toolCallDeps = {
      ...this.requestDeps,
      identities: options.identities,
      hookWaitSeconds: options.hookWaitSeconds ?? 540,
      hold: (agentId, pauseId, waitMs, signal) => this.waiting.hold(agentId, pauseId, waitMs, signal),
    };
  }

  /** A tool call an agent is about to run (`POST /v1/tool-calls` and the hooks): allow, deny, ask or pending. */
  toolCall(agentId: string, body: unknown, options: JudgeOptions): Promise<ToolCallAnswer> {
    return judgeToolCall(this.toolCallDeps, agentId, body, options);
  }

  /** `claimant` acts on this answer's approval, if it is one: once (an identical call's claim makes it a deny). */
  claimToolCall(answer: ToolCallAnswer, claimant: string): Promise<ToolCallAnswer> {
    return claimAnswer(this.store, answer, claimant);
  }

  /** A pending tool call's answer once its pause is no longer pending, or as it is after `waitMs`. */
  async awaitToolCall(agentId: string, pauseId: string, waitMs: number, signal?: AbortSignal): Promise<ToolCallAnswer> {
    return answerOf(await this.waiting.hold(agentId, pauseId, waitMs, signal));
  }

  async request(agentId: string, args: unknown): Promise<RequestResult> {
    return (await requestApproval(this.requestDeps, agentId, args)).result;
  }

  /** `created` is false when an idempotency key returned an earlier pause. */
  requestWithOutcome(agentId: string, args: unknown): Promise<{ result: RequestResult; created: boolean }> {
    return requestApproval(this.requestDeps, agentId, args);
  }

  check(agentId: string, args: unknown, signal?: AbortSignal): Promise<PauseView> {
    return this.waiting.check(agentId, args, signal);
  }

  /** Shutdown: every waiting check answers now with the current status. */
  stopWaiting(): void {
    this.waiting.stop();
  }

  cancel(agentId: string, args: unknown): Promise<CancelResult> {
    return cancelApproval(this.requestDeps, agentId, args);
  }

  list(agentId: string, query: ListQuery): Promise<Page<PauseView>> {
    return listApprovals(this.requestDeps, agentId, query);
  }

  /** The agent's own pause as check_approval reads it (an ended one once the replicas hold it); null for any other. */
  getOwn(agentId: string, pauseId: string): Promise<Pause | null> {
    return findOwnPause(this.requestDeps, agentId, pauseId);
  }

  /** For surfaces (Slack, e-mail): any pause by id, its status as of now. */
  get(pauseId: string): Promise<Pause | null> {
    return loadPause(this.requestDeps, pauseId);
  }

  /** One pause's audit timeline: the caller's own pause, or any for an admin key. */
  timeline(
    caller: { agentId: string; admin: boolean },
    pauseId: string,
  ): Promise<{ pause_id: string; events: TimelineEntry[] }> {
    return pauseTimeline({ store: this.store, now: this.now }, caller, pauseId);
  }

  /**
   * What request_approval would do with a request from the key named `agent` (its owner looked up
   * as a real request's is), under the policy in force; for admins.
   */
  async explain(args: unknown): Promise<PolicyExplanation> {
    const policy = this.requestDeps.policy?.current();
    if (!policy) {
      throw new LoopPauseError('not_found', 'no policy file is in force on this server (LOOPPAUSE_POLICY_FILE)');
    }
    const input = parseExplainInput(args);
    const owner = await this.requestDeps.ownerOf?.(input.agent);
    return explainRequest(policy, input, { recipients: this.requestDeps.recipients, owner: { known: true, owner } });
  }

  /**
   * @deprecated The rule a request meets, as the loaded model has it, without the checks a real
   * request also meets (the key's owner, the agent's routing arguments, the allow-lists): what the
   * dashboard's Policy page reads until it reads explain().
   */
  explainPolicy(args: unknown): PolicyOutcome {
    return explainRuleOnly(this.requestDeps.policy?.current(), args);
  }

  decide(pauseId: string, input: DecisionInput): Promise<DecideOutcome> {
    return decideApproval(this.decideDeps, pauseId, input);
  }

  /** `input` ({absent, delegate, until}) goes away and names a delegate; `setBy` asked (the surface checked they may). */
  async delegate(input: unknown, setBy: string): Promise<Delegation> {
    const delegation = await setDelegation(this.delegationsOrRefuse(), input, setBy);
    // The requests already e-mailed that wait on the away person go to the delegate too. The
    // delegation stands either way: a delegate also finds them on the dashboard and is reminded.
    await this.deliveries.toNewDelegate(delegation, this.now()).catch(() => 0);
    return delegation;
  }

  /** `absent` is back; the delegation that was in force, if any. */
  endDelegation(absent: string, endedBy: string): Promise<Delegation | undefined> {
    return endDelegation(this.delegationsOrRefuse(), absent, endedBy);
  }

  /** Every delegation in force now. */
  async delegations(): Promise<Delegation[]> {
    return this.delegationDeps ? this.delegationDeps.delegations.listDelegations(this.now()) : [];
  }

  private delegationsOrRefuse(): DelegationDeps {
    if (!this.delegationDeps) throw new LoopPauseError('unavailable', 'delegation is not available on this server');
    return this.delegationDeps;
  }

  /** The runner's sweep found this pause due with its policy's decision unsigned: sign it and end the pause. */
  endAtDeadline(pauseId: string, nowMs: number): Promise<Decision | undefined> {
    return endAtDeadline({ store: this.store, signing: this.decideDeps }, pauseId, nowMs);
  }
}
