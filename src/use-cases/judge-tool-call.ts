import { randomUUID } from 'node:crypto';
import type { ApprovalPlan } from '../domain/approvals/index.js';
import { agentActor } from '../domain/audit/events.js';
import { LoopPauseError } from '../domain/errors.js';
import { sha256Hex } from '../domain/hash.js';
import { newPauseId } from '../domain/ids.js';
import type { Pause } from '../domain/pause.js';
import {
  evaluateToolCallPolicy,
  PolicyError,
  type RouteOutcome,
  type ToolCallPolicyOutcome,
} from '../domain/policy/index.js';
import type { ApprovalRequest } from '../domain/schemas.js';
import { toolCallTitle } from '../domain/tool-call-view.js';
import {
  canonicalJson,
  MAX_TOOL_INPUT_BYTES,
  type ToolCall,
  type ToolCallAnswer,
  type ToolCallRecord,
  type ToolCallSource,
  ToolInputError,
  toolCallDigest,
  toolCallRequestSchema,
} from '../domain/tool-calls.js';
import { parseInput } from '../domain/validation.js';
import { type DecideDeps, decideByPolicy } from './decide.js';
import type { DeliveryPlan } from './deliveries.js';
import type { PolicyRefusalSink, PolicySource } from './policy-gate.js';

export interface JudgeToolCallDeps extends DecideDeps {
  deliveries: DeliveryPlan;
  policy?: PolicySource | undefined;
  ownerOf?: ((agentId: string) => Promise<string | undefined>) | undefined;
  onPolicyRefusal?: PolicyRefusalSink | undefined;
  /** The longest a call may wait for a human (LOOPPAUSE_HOOK_WAIT_SECONDS); also how long a pause lives when its rule gives no timeout. */
  hookWaitSeconds: number;
  /** Holds until the agent's pause is no longer pending, or `waitMs` passed (WaitingChecks.hold). */
  hold: (agentId: string, pauseId: string, waitMs: number, signal?: AbortSignal) => Promise<Pause>;
}

export interface JudgeOptions {
  /** Which adapter sent the call (shown to the approver). */
  source: ToolCallSource;
  /** How long to wait for a human before answering `pending`; capped at the hook wait. */
  waitSeconds: number;
  /** Aborts the wait (the client went away). */
  signal?: AbortSignal | undefined;
  /**
   * The MCP gateway asks: without a matching rule, a tool the upstream marks read-only passes and
   * any other is routed by the policy's `gateway_default_route`, or refused (not tool_calls_default).
   * Its calls wait up to `maxWaitSeconds` and their pauses, without a rule timeout, live
   * `lifetimeSeconds` (an identical call re-attaches while one does).
   */
  gateway?: { readOnly: boolean; maxWaitSeconds: number; lifetimeSeconds: number } | undefined;
  /**
   * Who acts on an approval this call gets (claimApproval): the same claimant again keeps it.
   * Defaults to the tool_use_id, else one of its own for this call.
   */
  claimant?: string | undefined;
}

/** A detail shown to approvers is cut here; the whole call stays on the pause. */
const MAX_DETAIL_CHARS = 500;
/** Past the wait, the pause's own deadline may still be this close: wait for the policy's decision at it. */
const DEADLINE_GRACE_MS = 2_500;

/**
 * `POST /v1/tool-calls`, and every hook behind it: what the operator's policy makes of a tool call
 * an agent is about to run. No policy, or no rule for it, answers `tool_calls_default` (`ask`: the
 * agent's own prompt). A rule that decides is signed like any policy decision; one that routes asks
 * humans and waits. The same `tool_use_id` is one pause; the same session, tool and input join a
 * pending one, and an approval "for this session" answers them until it lapses. Anything that
 * cannot be judged is a deny, never an allow.
 */
export async function judgeToolCall(
  deps: JudgeToolCallDeps,
  agentId: string,
  body: unknown,
  options: JudgeOptions,
): Promise<ToolCallAnswer> {
  // Read before the schema, which would drop a top-level `__proto__` the agent's tool still gets.
  checkRawInput(body);
  const { gateway: viaGateway, ...call } = parseInput(toolCallRequestSchema, body);
  if (viaGateway && !call.tool.startsWith('mcp__')) {
    throw new LoopPauseError(
      'invalid_argument',
      'gateway: only for an MCP tool a gateway fronts (tool mcp__<server>__<tool>)',
      'gateway',
    );
  }
  if (viaGateway && !options.gateway) {
    options = {
      ...options,
      source: 'gateway',
      gateway: {
        readOnly: viaGateway.read_only,
        maxWaitSeconds: deps.hookWaitSeconds,
        lifetimeSeconds: deps.hookWaitSeconds,
      },
    };
  }
  const size = inputSize(call);
  if (size > MAX_TOOL_INPUT_BYTES) {
    return {
      decision: 'deny',
      reason: `input: the tool input is ${size} bytes of JSON; LoopPause stores at most ${MAX_TOOL_INPUT_BYTES}, so it cannot be asked about`,
    };
  }
  const policy = deps.policy?.current();
  let outcome: ToolCallPolicyOutcome;
  try {
    outcome = policy
      ? evaluateToolCallPolicy(policy, {
          agent: agentId,
          tool: call.tool,
          input: call.input,
          ...(call.cwd === undefined ? {} : { cwd: call.cwd }),
          ...(call.session_id === undefined ? {} : { session_id: call.session_id }),
        })
      : { kind: 'default', decision: 'ask' };
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    deps.onPolicyRefusal?.({
      agent: agentId,
      ...(error.rule ? { rule: error.rule.name } : {}),
      field: 'policy',
      reason: error.message,
    });
    return {
      decision: 'deny',
      reason:
        "the operator's policy could not judge this tool call (an operator finds the reason in the LoopPause log)",
    };
  }
  if (outcome.kind === 'default' && options.gateway) {
    if (options.gateway.readOnly) return { decision: 'allow', reason: 'no rule matches; the tool is read-only' };
    const route = policy?.gatewayDefaultRoute;
    if (route === undefined) {
      return {
        decision: 'deny',
        reason:
          "no rule of the operator's policy lets this tool through the gateway, and gateway_default_route is not set",
      };
    }
    outcome = gatewayDefaultOutcome(route);
  }
  if (outcome.kind === 'default') {
    return { decision: outcome.decision, reason: defaultReason(outcome.decision, policy !== undefined) };
  }

  const owner = outcome.kind === 'route' && outcome.ownerCannotApprove ? await deps.ownerOf?.(agentId) : undefined;
  if (outcome.kind === 'route' && outcome.ownerCannotApprove && owner === undefined) {
    return {
      decision: 'deny',
      policy_rule: outcome.rule,
      reason:
        "the operator's policy does not let a key's owner approve their own agent's calls here, and this API key has no owner",
    };
  }
  const record: ToolCallRecord = { ...call, source: options.source };
  const lifetimeSeconds = options.gateway?.lifetimeSeconds ?? deps.hookWaitSeconds;
  const pause = toolCallPause(deps, agentId, record, outcome, owner, lifetimeSeconds);
  // What the question was asked in: the same command judged by another rule, under another policy
  // or in another directory is another question, never one an earlier answer covers.
  const context = contextDigest(call, outcome.rule, policy?.digest);
  const stored = await deps.store.createPause({
    pause,
    jobs: outcome.kind === 'decide' ? [] : deps.deliveries.initialJobs(pause, Date.parse(pause.created_at)),
    ...(call.tool_use_id === undefined
      ? {}
      : { idempotency: { key: `tool_use_id:${call.tool_use_id}`, requestDigest: context } }),
    // A rule that decides judges every call afresh: nothing to join.
    ...(outcome.kind === 'decide' ? {} : { join: joinOf(agentId, call, context, pause.action_digest) }),
  });
  if (stored.outcome === 'conflict') {
    return {
      decision: 'deny',
      pause_id: stored.pauseId,
      reason: `tool_use_id: already used for another call (${stored.pauseId}); a new call needs a new id`,
    };
  }
  if (stored.outcome === 'remembered') {
    // Not claimed: a session approval covers every identical call until it lapses. Handed over
    // only once the store's replicas hold it, like any other decision an agent acts on.
    await deps.store.confirmReplicated([stored.pause]);
    const by = stored.pause.response?.responder ?? 'a human';
    return answerOf(stored.pause, `approved for this session by ${by} until ${stored.pause.response?.remember_until}`);
  }
  if (stored.outcome === 'created') {
    deps.metrics?.pausesCreated.inc({ recipients: recipientsLabel(pause) });
    if (outcome.kind === 'decide') await decideByPolicy(deps, pause, outcome.decision, outcome.rule);
  }
  const maxWait = options.gateway?.maxWaitSeconds ?? deps.hookWaitSeconds;
  const waitMs = Math.min(Math.max(options.waitSeconds, 0), maxWait) * 1000;
  const pauseId = stored.pause.pause_id;
  let current = await deps.hold(agentId, pauseId, waitMs, options.signal);
  if (current.status === 'pending' && waitMs > 0 && !options.signal?.aborted) {
    // The deadline falls just past the wait: the policy's decision at it (or the timeout) is a second away.
    const untilDeadline = Date.parse(current.expires_at) - deps.now();
    if (untilDeadline <= DEADLINE_GRACE_MS) {
      current = await deps.hold(agentId, pauseId, untilDeadline + DEADLINE_GRACE_MS, options.signal);
    }
  }
  const claimant =
    options.claimant ?? (call.tool_use_id === undefined ? randomUUID() : `tool_use_id:${call.tool_use_id}`);
  return claimAnswer(deps.store, answerOf(current), claimant);
}

/**
 * An approval is acted on once: the caller about to act claims it. Another identical call that
 * already did makes this one a deny (it asks again when run again); a session approval
 * (`remember_until`) is not claimed, it covers every identical call until it lapses.
 */
export async function claimAnswer(
  store: Pick<JudgeToolCallDeps['store'], 'claimApproval'>,
  answer: ToolCallAnswer,
  claimant: string,
): Promise<ToolCallAnswer> {
  if (answer.decision !== 'allow' || answer.pause_id === undefined || answer.response === undefined) return answer;
  const claimed = await store.claimApproval(answer.pause_id, claimant);
  if (claimed === 'claimed') return answer;
  const { response: _response, ...rest } = answer;
  return {
    ...rest,
    decision: 'deny',
    reason: `the approval of pause ${answer.pause_id} was already used by an identical call; run it again to ask again`,
  };
}

/** The answer a pause gives: its signed decision, its end, or that it is still waiting. */
export function answerOf(pause: Pause, reason?: string): ToolCallAnswer {
  const base = {
    pause_id: pause.pause_id,
    ...(pause.policy_rule === undefined ? {} : { policy_rule: pause.policy_rule }),
  };
  const response = pause.response;
  switch (pause.status) {
    case 'pending':
      return {
        ...base,
        decision: 'pending',
        reason: `waiting for a human (pause ${pause.pause_id}); the same call again joins it`,
      };
    case 'responded': {
      if (!response) return { ...base, decision: 'deny', reason: 'the decision could not be read' };
      const approved = response.decision === 'approved';
      const who = response.channel === 'policy' ? `the operator's policy (${response.responder})` : response.responder;
      const said = response.comment ? `: ${response.comment}` : '';
      return {
        ...base,
        decision: approved ? 'allow' : 'deny',
        reason: reason ?? `${approved ? 'approved' : 'rejected'} by ${who}${said}`,
        response,
      };
    }
    case 'timed_out':
      return { ...base, decision: 'deny', reason: `nobody decided in time (pause ${pause.pause_id} timed out)` };
    case 'cancelled':
      return {
        ...base,
        decision: 'deny',
        reason: `the request was cancelled${pause.cancel_reason ? `: ${pause.cancel_reason}` : ''}`,
      };
    default:
      // A state this version does not know (a newer replica's record): never an allow.
      return { ...base, decision: 'deny', reason: `the request is in a state this service cannot judge` };
  }
}

function defaultReason(decision: 'allow' | 'ask' | 'deny', withPolicy: boolean): string {
  if (!withPolicy) return 'no operator policy is in force: the agent asks its user as usual';
  if (decision === 'allow') return "no rule of the operator's policy matches this call; tool_calls_default allows it";
  if (decision === 'deny') return "no rule of the operator's policy matches this call; tool_calls_default denies it";
  return "no rule of the operator's policy matches this call: the agent asks its user as usual";
}

/** The canonical input's size in bytes; an input too deep or with `__proto__` is refused like bad input. */
function inputSize(call: ToolCall): number {
  return Buffer.byteLength(canonical(call.input));
}

function canonical(input: unknown): string {
  try {
    return canonicalJson(input);
  } catch (error) {
    if (!(error instanceof ToolInputError)) throw error;
    throw new LoopPauseError('invalid_argument', `input: ${error.message}; LoopPause cannot judge it`, 'input');
  }
}

function checkRawInput(body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  const input = (body as { input?: unknown }).input;
  if (typeof input === 'object' && input !== null) canonical(input);
}

/**
 * The context a question is asked in: the call itself, its session and directory, and the rule and
 * policy that routed it. One tool_use_id in another context is a conflict (a deny); a join only
 * ever finds a question of the same context.
 */
function contextDigest(call: ToolCall, rule: string, policyDigest: string | undefined): string {
  return sha256Hex(
    JSON.stringify([toolCallDigest(call), call.session_id ?? '', call.cwd ?? '', rule, policyDigest ?? '']),
  );
}

/** One question per context (without a session: per agent), and what a remembered use records. */
function joinOf(agentId: string, call: ToolCall, context: string, actionDigest: string) {
  return {
    key: context,
    audit: {
      actor: agentActor(agentId),
      data: {
        tool: call.tool,
        action_digest: actionDigest,
        ...(call.session_id === undefined ? {} : { session_id: call.session_id }),
        ...(call.tool_use_id === undefined ? {} : { tool_use_id: call.tool_use_id }),
      },
    },
  };
}

/** The policy's `gateway_default_route`, as a rule of its own name: one human from that route decides. */
function gatewayDefaultOutcome(route: RouteOutcome['route'] & object): RouteOutcome {
  return {
    kind: 'route',
    rule: 'gateway_default_route',
    route,
    approvers: [],
    quorum: 1,
    ownerCannotApprove: false,
    responseFields: [],
    remindAfterMs: [],
    escalate: [],
    onTimeout: 'timed_out',
  };
}

function toolCallPause(
  deps: Pick<JudgeToolCallDeps, 'now'>,
  agentId: string,
  call: ToolCallRecord,
  outcome: Exclude<ToolCallPolicyOutcome, { kind: 'default' }>,
  owner: string | undefined,
  lifetimeSeconds: number,
): Pause {
  const nowMs = deps.now();
  const timeoutHours = (outcome.kind === 'route' && outcome.timeoutHours) || lifetimeSeconds / 3600;
  const pause: Pause = {
    pause_id: newPauseId(),
    agent_id: agentId,
    status: 'pending',
    created_at: new Date(nowMs).toISOString(),
    expires_at: new Date(nowMs + Math.round(timeoutHours * 3_600_000)).toISOString(),
    request: toolCallRequest(call, outcome, timeoutHours),
    action_digest: toolCallDigest(call),
    tool_call: call,
    delivery: {},
    policy_rule: outcome.rule,
  };
  if (outcome.kind === 'route') {
    pause.plan = { ...planOf(outcome), ...(owner === undefined ? {} : { excluded_owner: owner }) };
    if (outcome.onTimeout !== 'timed_out') {
      // Unsigned: the runner signs it at the deadline, in the step that ends the pause.
      pause.timeout_decision = { decision: outcome.onTimeout, rule: outcome.rule };
    }
  }
  return pause;
}

/** What approvers read: the call's title, and the agent's context as details. */
function toolCallRequest(
  call: ToolCallRecord,
  outcome: Exclude<ToolCallPolicyOutcome, { kind: 'default' }>,
  timeoutHours: number,
): ApprovalRequest {
  const cut = (text: string) => (text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS - 1)}…` : text);
  const details: Record<string, string> = { tool: cut(call.tool), source: call.source };
  if (call.cwd !== undefined) details.cwd = cut(call.cwd);
  if (call.session_id !== undefined) details.session = cut(call.session_id);
  const request: ApprovalRequest = {
    action_description: toolCallTitle(call),
    action_details: details,
    timeout_hours: timeoutHours,
  } as ApprovalRequest;
  if (outcome.kind === 'route') {
    if (outcome.route?.slack !== undefined) request.recipient_slack = outcome.route.slack;
    if (outcome.route?.email !== undefined) request.recipient_email = outcome.route.email;
    if (outcome.approvers.length > 0) request.approvers = outcome.approvers;
    if (outcome.responseFields.length > 0) request.response_fields = outcome.responseFields;
  }
  return request;
}

function planOf(outcome: RouteOutcome & { rememberMs?: number }): ApprovalPlan {
  return {
    quorum: outcome.quorum,
    remind_after_ms: outcome.remindAfterMs,
    escalate: outcome.escalate.map((step) => ({
      after_ms: step.afterMs,
      ...(step.route ? { route: step.route } : {}),
      approvers: step.approvers,
    })),
    on_timeout: outcome.onTimeout,
    ...(outcome.rememberMs === undefined ? {} : { remember_ms: outcome.rememberMs }),
  };
}

function recipientsLabel(pause: Pause): string {
  const { recipient_slack: slack, recipient_email: email } = pause.request;
  return slack && email ? 'slack+email' : slack ? 'slack' : email ? 'email' : 'none';
}
