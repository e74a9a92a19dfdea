import { LoopPauseError } from '../domain/errors.js';
import { requestDigest } from '../domain/idempotency.js';
import { newPauseId } from '../domain/ids.js';
import {
  expiresAt,
  MANDATORY_NEXT_STEP,
  type Pause,
  policyDecidedNextStep,
  withEffectiveStatus,
} from '../domain/pause.js';
import { requestApprovalSchema, requestArgumentsSchema } from '../domain/schemas.js';
import { actionDigest } from '../domain/signing.js';
import { parseInput } from '../domain/validation.js';
import { type PauseStatus, wireStatus } from '../domain/vocabulary.js';
import { type DecideDeps, decideByPolicy } from './decide.js';
import type { DeliveryPlan } from './deliveries.js';
import { admitRequest, type PolicyRefusalSink, type PolicySource } from './policy-gate.js';
import { checkRecipients, type RecipientRules } from './recipient-rules.js';

export interface RequestDeps extends DecideDeps {
  recipients: RecipientRules;
  deliveries: DeliveryPlan;
  /** The operator's policy file, when one is in force: it, not the agent, routes requests. */
  policy?: PolicySource | undefined;
  /** The human who owns an API key (by its name), for maker-checker rules. */
  ownerOf?: ((agentId: string) => Promise<string | undefined>) | undefined;
  /** Policy refusals in full, for the operator's log: the agent is told only that the policy does not allow it. */
  onPolicyRefusal?: PolicyRefusalSink | undefined;
}

export interface RequestResult {
  pause_id: string;
  /** `pending`, unless an idempotency key returned an earlier pause that has ended since. */
  status: PauseStatus;
  expires_at: string;
  MANDATORY_NEXT_STEP: string;
}

/** request_approval. `created` is false when an idempotency key returned an earlier pause. */
export async function requestApproval(
  deps: RequestDeps,
  agentId: string,
  args: unknown,
): Promise<{ result: RequestResult; created: boolean }> {
  const asked = parseInput(deps.policy ? requestArgumentsSchema : requestApprovalSchema, args);
  const policy = deps.policy?.current();
  const keyOwner = policy ? await deps.ownerOf?.(agentId) : undefined;
  // The allow-lists bound whatever the agent chose, under every agent_routing; a policy's routes are the operator's own.
  const gated = policy
    ? admitRequest(policy, agentId, asked, {
        timeoutGiven: timeoutGiven(args),
        owner: keyOwner,
        recipients: deps.recipients,
        report: deps.onPolicyRefusal,
      })
    : undefined;
  if (!gated) checkRecipients(asked, deps.recipients);
  const request = gated?.request ?? asked;
  const owner = gated?.kind === 'route' && gated.ownerCannotApprove ? keyOwner : undefined;
  const nowMs = deps.now();
  const pause: Pause = {
    pause_id: newPauseId(),
    agent_id: agentId,
    status: 'pending',
    created_at: new Date(nowMs).toISOString(),
    expires_at: new Date(expiresAt(nowMs, request.timeout_hours)).toISOString(),
    request,
    action_digest: actionDigest(request),
    delivery: {},
    ...(gated ? { policy_rule: gated.rule } : {}),
  };
  if (gated?.kind === 'route') {
    pause.plan = { ...gated.plan, ...(owner === undefined ? {} : { excluded_owner: owner }) };
    if (gated.plan.on_timeout !== 'timed_out') {
      // Unsigned: the runner's sweep signs it at the deadline, in the step that ends the pause.
      pause.timeout_decision = { decision: gated.plan.on_timeout, rule: gated.rule };
    }
  }
  const { idempotency_key: key } = request;
  const stored = await deps.store.createPause({
    pause,
    jobs: gated?.kind === 'decide' ? [] : deps.deliveries.initialJobs(pause, nowMs),
    ...(key === undefined ? {} : { idempotency: { key, requestDigest: requestDigest(asked) } }),
  });
  if (stored.outcome === 'conflict') {
    throw new LoopPauseError(
      'conflict',
      `idempotency_key: this key was already used for a different request (${stored.pauseId}); ` +
        'a retry must repeat the request exactly, a new request needs a new key',
      'idempotency_key',
    );
  }
  const created = stored.outcome === 'created';
  if (created) deps.metrics?.pausesCreated.inc({ recipients: recipientsLabel(pause) });
  if (created && gated?.kind === 'decide') await decideByPolicy(deps, pause, gated.decision, gated.rule);
  const decidedAtOnce = created ? gated?.kind === 'decide' : decidedByRule(stored.pause);
  const status = created && decidedAtOnce ? 'responded' : withEffectiveStatus(stored.pause, nowMs).status;
  return {
    created,
    result: {
      pause_id: stored.pause.pause_id,
      status: wireStatus(status),
      expires_at: stored.pause.expires_at,
      // The agent is not told a human was asked when none was.
      MANDATORY_NEXT_STEP: decidedAtOnce ? policyDecidedNextStep(stored.pause.policy_rule) : MANDATORY_NEXT_STEP,
    },
  };
}

/** An earlier pause a `decide` rule ended at creation (a route's `on_timeout` decision is also the policy's, but later). */
function decidedByRule(pause: Pause): boolean {
  return pause.response?.channel === 'policy' && pause.plan === undefined;
}

function recipientsLabel(pause: Pause): string {
  const { recipient_slack: slack, recipient_email: email } = pause.request;
  return slack && email ? 'slack+email' : slack ? 'slack' : email ? 'email' : 'none';
}

function timeoutGiven(args: unknown): boolean {
  return typeof args === 'object' && args !== null && Object.hasOwn(args, 'timeout_hours');
}
