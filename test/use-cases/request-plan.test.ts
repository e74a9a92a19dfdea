import { describe, expect, it } from 'vitest';
import { type Pause, withEffectiveStatus } from '../../src/domain/pause.js';
import { parsePolicy } from '../../src/domain/policy/index.js';
import { verifyDecision } from '../../src/domain/signing.js';
import { cancelApproval } from '../../src/use-cases/cancel.js';
import { endAtDeadline } from '../../src/use-cases/end-at-deadline.js';
import { requestApproval } from '../../src/use-cases/request.js';
import { claimDue, requestArgs, T0, UNIT_SIGNING_SECRET, useCaseWorld } from '../helpers/use-cases.js';

/**
 * request_approval under a multi-step policy rule: what is fixed on the pause (the plan, the key
 * owner, the unsigned timeout decision) and which step jobs are queued for when.
 */
const POLICY = `
groups:
  finance: [ada@acme.com, bob@acme.com, cat@acme.com]
rules:
  - name: payments
    when: { action: "Transfer *" }
    route: { slack: "#finance", email: finance@acme.com }
    approvers: [group:finance]
    quorum: 2
    owner_cannot_approve: true
    timeout_hours: 3
    remind_after: [10m, 2h]
    escalate: [{ after: 30m, route: { slack: "#cfo", email: cfo@acme.com }, approvers: [cfo@acme.com] }]
    on_timeout: rejected
  - name: anything
    route: { email: ops@acme.com }
`;

const TRANSFER = requestArgs({ action_description: 'Transfer 5,000 EUR to ACME Ltd' });
/** Where the rule only times out, the agent may narrow its 3 h to 1 h, which leaves the 2 h reminder past the deadline. */
const TIMES_OUT = POLICY.replace('on_timeout: rejected', 'on_timeout: timed_out');
const SHORT_TRANSFER = { ...TRANSFER, timeout_hours: 1 };

function world(owners: Record<string, string> = { 'ci-bot': 'sarah@acme.com' }, text = POLICY) {
  const parsed = parsePolicy(text);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const w = useCaseWorld();
  const policy = parsed.policy;
  return {
    ...w,
    deps: { ...w.deps, policy: { current: () => policy }, ownerOf: async (agent: string) => owners[agent] },
  };
}

describe('request_approval with a multi-step rule', () => {
  it('fixes the plan on the pause, with the key owner excluded, and shows 0 of 2 approvals', async () => {
    const w = world();
    const { result } = await requestApproval(w.deps, 'ci-bot', TRANSFER);
    const pause = await w.store.getPause(result.pause_id);
    expect(pause?.plan).toEqual({
      quorum: 2,
      excluded_owner: 'sarah@acme.com',
      remind_after_ms: [600_000, 7_200_000],
      escalate: [{ after_ms: 1_800_000, route: { slack: '#cfo', email: 'cfo@acme.com' }, approvers: ['cfo@acme.com'] }],
      on_timeout: 'rejected',
    });
    expect(pause?.policy_rule).toBe('payments');
  });

  it('refuses a maker-checker request from a key without an owner, naming policy, and stores nothing', async () => {
    const w = world({});
    const error = await requestApproval(w.deps, 'ci-bot', TRANSFER).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_argument', field: 'policy' });
    expect(String((error as Error).message)).toContain('has no owner');
    expect(await w.store.listPauses({ agentId: 'ci-bot', limit: 10 })).toEqual({ items: [], next_cursor: null });
    expect(await claimDue(w.store, T0 + 365 * 24 * 3_600_000)).toEqual([]);
  });

  it('stores the policy timeout decision unsigned; at the deadline it is signed, dated the deadline, and ends the pause', async () => {
    const w = world();
    const { result } = await requestApproval(w.deps, 'ci-bot', TRANSFER);
    const stored = await w.store.getPause(result.pause_id);
    expect(stored?.timeout_decision).toEqual({ decision: 'rejected', rule: 'payments' });
    expect(stored?.timeout_response).toBeUndefined();
    const raw = JSON.stringify(w.store.snapshot());
    expect(raw).not.toContain('sha256=');
    expect(raw).not.toContain('receipt');
    // Past the deadline, before the sweep: still pending to every reader, never responded without a signature.
    const deadline = Date.parse(result.expires_at);
    expect(withEffectiveStatus(stored as Pause, deadline + 1).status).toBe('pending');

    const swept = await w.store.sweepExpired(deadline, 10);
    expect(swept).toEqual([{ pause_id: result.pause_id, outcome: 'due_decision' }]);
    expect((await w.store.getPause(result.pause_id))?.status).toBe('pending');
    const ended = await endAtDeadline({ store: w.store, signing: w.deps }, result.pause_id, deadline + 5);
    expect(ended).toBe('rejected');
    const pause = await w.store.getPause(result.pause_id);
    expect(pause).toMatchObject({
      status: 'responded',
      ended_at: result.expires_at,
      response: {
        decision: 'rejected',
        channel: 'policy',
        responder: 'policy:payments',
        responded_at: result.expires_at,
        approvals: [],
      },
    });
    expect(
      verifyDecision(UNIT_SIGNING_SECRET, pause?.response, { pause_id: result.pause_id, action: TRANSFER }),
    ).toEqual({ ok: true });
    expect(await endAtDeadline({ store: w.store, signing: w.deps }, result.pause_id, deadline + 6)).toBeUndefined();
  });

  it('queues each reminder and escalation at its time, leaves out steps past the deadline, and drops them on cancel', async () => {
    const w = world(undefined, TIMES_OUT);
    const { result } = await requestApproval(w.deps, 'ci-bot', SHORT_TRANSFER);
    const id = result.pause_id;
    const dueAt = async (ms: number) =>
      (await claimDue(w.store, ms))
        .filter((job) => job.data.pause_id === id)
        .map((job) => `${job.kind}#${'step' in job.data ? job.data.step : '-'}`);
    expect((await dueAt(T0)).sort()).toEqual(['slack.post#-']);
    expect(await dueAt(T0 + 600_000 - 1)).toEqual(['email.fallback#-']);
    expect((await dueAt(T0 + 600_000)).sort()).toEqual(['email.remind#0', 'slack.remind#0']);
    // The 2 h reminder falls after the agent's 1 h deadline: never queued (the claims below would show it).
    const second = await requestApproval(w.deps, 'ci-bot', { ...SHORT_TRANSFER, idempotency_key: 'other' });
    await cancelApproval(w.deps, 'ci-bot', { pause_id: second.result.pause_id });
    const claimed = await claimDue(w.store, T0 + 1_800_000);
    const kinds = (pauseId: string) =>
      claimed
        .filter((job) => job.data.pause_id === pauseId)
        .map((job) => `${job.kind}#${'step' in job.data ? job.data.step : '-'}`)
        .sort();
    expect(kinds(id)).toEqual(['email.escalate#0', 'slack.escalate#0']);
    // The cancelled pause's reminders and escalation are gone; its other jobs run (and find it ended).
    expect(kinds(second.result.pause_id)).toEqual(['email.fallback#-', 'pause.ended#-', 'slack.post#-']);
    expect(await claimDue(w.store, T0 + 10 * 3_600_000)).toEqual([]);
  });

  it('lets no agent bring the policy’s deadline decision forward, and tells it nothing of the rule', async () => {
    const w = world();
    for (const asked of [
      { timeout_hours: 1e-300 },
      { timeout_hours: 0.5 },
      { approvers: ['ada@acme.com'] },
      { approvers: ['sarah@acme.com', 'ada@acme.com'] },
    ]) {
      const error = await requestApproval(w.deps, 'ci-bot', { ...TRANSFER, ...asked }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'invalid_argument', field: Object.keys(asked)[0] });
      const message = String((error as Error).message);
      expect(message).toContain("not allowed by the operator's policy");
      for (const secret of ['payments', 'finance', 'bob@', 'cat@', '3 h', 'rejected', 'quorum']) {
        expect(message).not.toContain(secret);
      }
    }
    expect(await w.store.listPauses({ agentId: 'ci-bot', limit: 10 })).toEqual({ items: [], next_cursor: null });
  });

  it('queues no step jobs and no plan beyond one approval for a plain rule', async () => {
    const w = world();
    const { result } = await requestApproval(
      w.deps,
      'ci-bot',
      requestArgs({ action_description: 'Restart the cache' }),
    );
    const pause = await w.store.getPause(result.pause_id);
    expect(pause?.plan).toMatchObject({ quorum: 1, remind_after_ms: [], escalate: [], on_timeout: 'timed_out' });
    expect(pause?.timeout_response).toBeUndefined();
    expect(pause?.timeout_decision).toBeUndefined();
    expect((await claimDue(w.store, T0 + 3_600_000)).map((job) => job.kind)).toEqual(['email.send']);
  });
});
