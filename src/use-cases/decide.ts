import { judgeVote, linkQuestions, type Unverifiable } from '../domain/approvals/identities.js';
import { approvalsOf, mergedFields, outcomeOf, standIn, type Vote, withDelegate } from '../domain/approvals/index.js';
import { LoopPauseError, notFound } from '../domain/errors.js';
import { missingRequired, pickAnswers } from '../domain/fields.js';
import { newNonce } from '../domain/ids.js';
import type { Pause } from '../domain/pause.js';
import { humanKey } from '../domain/policy/humans.js';
import type { SignedDecision } from '../domain/signing.js';
import type { Decision, DecisionChannel } from '../domain/vocabulary.js';
import { type DecisionPause, type SigningDeps, signDecision } from '../receipts/sign-decision.js';
import type { DelegationStore } from '../store/ports/delegations.js';
import type { UseCaseDeps } from './deps.js';
import { askLinks, type IdentityDirectory } from './identity-links.js';
import { loadPause } from './load-pause.js';

export interface DecideDeps extends UseCaseDeps, SigningDeps {
  /** Slack's links between accounts and addresses; absent when no Slack is wired in. */
  identities?: IdentityDirectory | undefined;
  /** Away approvers and their delegates; absent: nobody votes in anyone's place. */
  delegations?: Pick<DelegationStore, 'listDelegations'> | undefined;
}

export interface DecisionInput {
  decision: Decision;
  comment?: string;
  fields?: Record<string, string>;
  /** E-mail where known, else the Slack user id. */
  responder: string;
  channel: DecisionChannel;
  /**
   * Who the surface says votes: the Slack id of a signed click (or of the Slack user a dashboard
   * session came from), with the profile e-mail Slack showed for it; or, alone, the address an
   * e-mail link or a dashboard sign-in proved. A profile e-mail beside a Slack id only joins
   * identities: the human is linked to the people the pause names through Slack (judgeVote).
   */
  identities: string[];
  /**
   * "Approve for this session", on a tool call whose rule sets `remember`: the same call in the
   * same session then passes until the window lapses. Ignored elsewhere, and on a rejection.
   */
  remember?: boolean;
}

/**
 * `decided`: this vote closed the pause. `counted`: recorded, more approvals are needed.
 * `already_voted`: this human (by any of their linked identities) voted before. `owner`:
 * maker-checker refuses the key owner's vote; `unverifiable`: Slack could not link the voter to one
 * identity, so they cannot be told apart from the owner, from an earlier voter (with a quorum), or
 * from the approvers; `reason` says which and why.
 */
export type DecideOutcome =
  | { outcome: 'decided' | 'counted' | 'already_voted' | 'already_final'; pause: Pause }
  | { outcome: 'not_approver' | 'owner'; pause: Pause }
  | { outcome: 'unverifiable'; pause: Pause; reason: Unverifiable }
  | { outcome: 'missing_fields'; pause: Pause; fields: string[] };

/** Another vote landing between the read and the write sends the voter round again; this many times at most. */
const MAX_ROUNDS = 20;

/**
 * A human votes. One approval decides unless the policy asks for a quorum; any rejection
 * ends the pause. The vote and, when it closes the pause, the signed decision are written in one
 * atomic step against the votes read: whatever the races, exactly one outcome wins.
 */
export async function decideApproval(deps: DecideDeps, pauseId: string, input: DecisionInput): Promise<DecideOutcome> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const pause = await loadPause(deps, pauseId);
    if (!pause) throw notFound(pauseId);
    if (pause.status !== 'pending') return { outcome: 'already_final', pause };
    const nowMs = deps.now();
    // A delegate votes in an away approver's place: judged as themselves (maker-checker, quorum),
    // counted under the away approver's key too, so only one of the two votes counts.
    const delegations = deps.delegations ? await deps.delegations.listDelegations(nowMs) : [];
    const stand = standIn(pause, input.identities, delegations, nowMs);
    const behalf = stand !== undefined && 'for' in stand ? stand : undefined;
    const judgedPause = behalf ? withDelegate(pause, behalf.as) : pause;
    const questions = linkQuestions(judgedPause, input.identities, nowMs);
    const links = await askLinks(deps.identities, questions, input.identities);
    const judged = judgeVote(judgedPause, input.identities, links, nowMs);
    if (judged.verdict === 'not_approver' && stand !== undefined && 'spent' in stand) {
      return { outcome: 'already_voted', pause };
    }
    if (judged.verdict === 'unverifiable') {
      const { reason } = judged;
      const noSlack = deps.identities === undefined && reason.cause.kind === 'none';
      return { outcome: 'unverifiable', pause, reason: noSlack ? { ...reason, cause: { kind: 'no_slack' } } : reason };
    }
    if (judged.verdict !== 'ok') return { outcome: judged.verdict, pause };
    const voters = behalf ? [...new Set([...judged.voters, humanKey(behalf.for)])] : judged.voters;
    const asked = pause.request.response_fields ?? [];
    const fields = pickAnswers(asked, input.fields ?? {});
    const missing = missingRequired(asked, fields);
    if (input.decision === 'approved' && missing.length > 0)
      return { outcome: 'missing_fields', pause, fields: missing };

    const vote: Vote = {
      decision: input.decision,
      responder: input.responder,
      channel: input.channel,
      responded_at: new Date(nowMs).toISOString(),
      comment: input.comment ?? '',
      fields,
      voters,
      ...(behalf ? { on_behalf_of: behalf.for } : {}),
    };
    const earlier = pause.votes ?? [];
    const votes = [...earlier, vote];
    const closes = outcomeOf(votes, pause.plan?.quorum ?? 1) !== undefined;
    // Signed (receipt included) before the atomic step, which keeps it only if this vote closes the pause.
    const remember = input.remember === true && input.decision === 'approved' ? pause.plan?.remember_ms : undefined;
    const response = closes ? await signVotes(deps, pause, votes, nowMs, remember) : undefined;
    const result = await deps.store.castVote(
      pauseId,
      { vote, expectedVotes: earlier.length, ...(response ? { response } : {}) },
      nowMs,
    );
    switch (result.outcome) {
      case 'stale':
        continue;
      case 'not_found':
        throw notFound(pauseId);
      case 'ended':
        deps.metrics?.pausesEnded.inc({ outcome: input.decision, channel: input.channel });
        deps.metrics?.timeToDecision.observe({ channel: input.channel }, (nowMs - Date.parse(pause.created_at)) / 1000);
        return { outcome: 'decided', pause: result.pause };
      default:
        return { outcome: result.outcome, pause: result.pause };
    }
  }
  throw new LoopPauseError('conflict', 'votes on this request keep arriving at the same moment; please try again');
}

/** The decision the last vote makes: signed, bound to the pause and action, with every approval in order. */
function signVotes(
  deps: DecideDeps,
  pause: Pause,
  votes: readonly Vote[],
  nowMs: number,
  rememberMs: number | undefined,
): Promise<SignedDecision> {
  const last = votes.at(-1) as Vote;
  return signDecision(deps, pause, {
    decision: last.decision,
    comment: last.comment,
    fields: mergedFields(votes),
    responder: last.responder,
    responded_at: new Date(nowMs).toISOString(),
    channel: last.channel,
    nonce: newNonce(),
    pause_id: pause.pause_id,
    action_digest: pause.action_digest,
    approvals: approvalsOf(votes),
    ...(last.on_behalf_of === undefined ? {} : { on_behalf_of: last.on_behalf_of }),
    ...(rememberMs === undefined ? {} : { remember_until: new Date(nowMs + rememberMs).toISOString() }),
  });
}

/**
 * The operator's policy decides (a `decide:` rule, or `on_timeout` at the deadline): signed like a
 * human's decision, so agents verify it the same way, with channel `policy` and the rule as responder.
 */
export function policyDecision(
  deps: SigningDeps,
  pause: DecisionPause,
  decision: Decision,
  rule: string,
  respondedAtMs: number,
): Promise<SignedDecision> {
  return signDecision(deps, pause, {
    decision,
    comment: '',
    fields: {},
    responder: `policy:${rule}`,
    responded_at: new Date(respondedAtMs).toISOString(),
    channel: 'policy',
    nonce: newNonce(),
    pause_id: pause.pause_id,
    action_digest: pause.action_digest,
    approvals: [],
  });
}

export async function decideByPolicy(deps: DecideDeps, pause: Pause, decision: Decision, rule: string): Promise<void> {
  const nowMs = deps.now();
  const signed = await policyDecision(deps, pause, decision, rule, nowMs);
  const result = await deps.store.endByPolicy(pause.pause_id, signed, nowMs);
  if (result.outcome === 'ended') deps.metrics?.pausesEnded.inc({ outcome: decision, channel: 'policy' });
}
