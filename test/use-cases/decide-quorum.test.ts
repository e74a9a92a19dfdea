import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEntry } from '../../src/domain/audit/chain.js';
import { toView } from '../../src/domain/pause.js';
import { parsePolicy } from '../../src/domain/policy/index.js';
import { verifyDecision } from '../../src/domain/signing.js';
import { decideApproval } from '../../src/use-cases/decide.js';
import { endAtDeadline } from '../../src/use-cases/end-at-deadline.js';
import type { IdentityDirectory } from '../../src/use-cases/identity-links.js';
import { loadOwnPause } from '../../src/use-cases/load-pause.js';
import { requestApproval } from '../../src/use-cases/request.js';
import { decision, requestArgs, T0, UNIT_SIGNING_SECRET, useCaseWorld } from '../helpers/use-cases.js';

/**
 * Multi-step approvals through the use cases: quorum with veto, one vote per human whatever identity they use,
 * the signed approvals, maker-checker, escalation widening approvers on time, and the policy's
 * decision at the deadline. A memory store and an injected clock: nothing waits on the wall clock.
 */

const HOUR = 3_600_000;
const APPROVERS = ['ada@example.com', 'bob@example.com', 'cy@example.com', 'dee@example.com', 'U0EVE0001'];

const POLICY = `
agent_routing: restrict
rules:
  - name: payments
    when: { action: "Transfer *" }
    route: { email: ops@example.com }
    approvers: [${APPROVERS.join(', ')}]
    quorum: 2
    timeout_hours: 4
    escalate: [{ after: 1h, approvers: [lead@example.com] }]
    on_timeout: rejected
  - name: checked
    when: { action: "Deploy *" }
    route: { email: ops@example.com }
    approvers: [${APPROVERS.join(', ')}]
    quorum: 2
    owner_cannot_approve: true
`;

function policyWorld() {
  const parsed = parsePolicy(POLICY);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const world = useCaseWorld();
  const policy = parsed.policy;
  const deps = {
    ...world.deps,
    policy: { current: () => policy },
    ownerOf: async (agent: string) => (agent === 'agent-a' ? 'bob@example.com' : undefined),
  };
  return { ...world, deps };
}

type World = ReturnType<typeof policyWorld>;

async function ask(world: World, action = 'Transfer 900 EUR'): Promise<string> {
  const { result } = await requestApproval(world.deps, 'agent-a', {
    ...requestArgs({}),
    action_description: action,
  });
  return result.pause_id;
}

const view = async (world: World, id: string) => toView(await loadOwnPause(world.deps, 'agent-a', id));

describe('decideApproval with a quorum of 2 of 5', () => {
  it('counts distinct humans: a Slack id and its e-mail are one voter; the second human decides', async () => {
    const world = policyWorld();
    const id = await ask(world);
    expect(await view(world, id)).toMatchObject({ status: 'pending', approvals_received: 0, approvals_required: 2 });

    const bySlack = await decideApproval(
      world.decideDeps,
      id,
      decision('ada@example.com', { channel: 'slack', identities: ['U0ADA0001', 'ada@example.com'] }),
    );
    expect(bySlack.outcome).toBe('counted');
    expect(await view(world, id)).toMatchObject({ status: 'pending', approvals_received: 1, approvals_required: 2 });

    // The same human by e-mail (another letter case, another channel): nothing changes.
    const byEmail = await decideApproval(world.decideDeps, id, decision('Ada@Example.com'));
    expect(byEmail.outcome).toBe('already_voted');
    // And by the Slack id alone (a replica without users:read.email): still the same human.
    const bySlackIdOnly = await decideApproval(
      world.decideDeps,
      id,
      decision('U0ADA0001', { channel: 'slack', identities: ['U0ADA0001', 'ada@example.com'] }),
    );
    expect(bySlackIdOnly.outcome).toBe('already_voted');
    expect(await view(world, id)).toMatchObject({ status: 'pending', approvals_received: 1 });
    expect((await world.store.getPause(id))?.votes).toHaveLength(1);

    world.clock.advance(60_000);
    const second = await decideApproval(world.decideDeps, id, decision('cy@example.com', { comment: 'fine' }));
    expect(second.outcome).toBe('decided');
    const done = await view(world, id);
    expect(done.status).toBe('responded');
    expect(done.approvals_received).toBeUndefined();
    const response = done.response as NonNullable<typeof done.response>;
    expect(response).toMatchObject({ decision: 'approved', responder: 'cy@example.com', channel: 'email' });
    expect(response.approvals).toEqual([
      {
        responder: 'ada@example.com',
        channel: 'slack',
        comment: '',
        fields: {},
        responded_at: new Date(T0).toISOString(),
      },
      {
        responder: 'cy@example.com',
        channel: 'email',
        comment: 'fine',
        fields: {},
        responded_at: new Date(T0 + 60_000).toISOString(),
      },
    ]);
    const action = { action_description: 'Transfer 900 EUR', action_details: requestArgs({}).action_details };
    expect(verifyDecision(UNIT_SIGNING_SECRET, response, { pause_id: id, action })).toEqual({ ok: true });
    // A tampered list of approvals no longer verifies.
    const forged = { ...response, approvals: response.approvals?.slice(1) };
    expect(verifyDecision(UNIT_SIGNING_SECRET, forged, { pause_id: id }).ok).toBe(false);

    // A vote after the end changes nothing.
    expect((await decideApproval(world.decideDeps, id, decision('dee@example.com'))).outcome).toBe('already_final');
    expect((await world.store.getPause(id))?.votes).toHaveLength(2);
  });

  it("keeps every voter's answers: each approval signs its own fields, the audit has them, response.fields stays merged", async () => {
    const world = policyWorld();
    const { result } = await requestApproval(world.deps, 'agent-a', {
      ...requestArgs({}),
      action_description: 'Transfer 900 EUR',
      response_fields: [
        { name: 'ticket', label: 'Ticket', required: true },
        { name: 'note', label: 'Note', required: false },
      ],
    });
    const id = result.pause_id;
    // Each voter must answer the required field.
    expect((await decideApproval(world.decideDeps, id, decision('ada@example.com'))).outcome).toBe('missing_fields');
    const byEmail = await decideApproval(
      world.decideDeps,
      id,
      decision('ada@example.com', { fields: { ticket: 'OPS-1', note: 'backup checked' } }),
    );
    expect(byEmail.outcome).toBe('counted');
    world.clock.advance(60_000);
    const byDashboard = await decideApproval(
      world.decideDeps,
      id,
      decision('cy@example.com', { channel: 'web', fields: { ticket: 'OPS-2' } }),
    );
    expect(byDashboard.outcome).toBe('decided');

    const response = (await view(world, id)).response as NonNullable<Awaited<ReturnType<typeof view>>['response']>;
    expect(response.approvals?.map((a) => [a.responder, a.channel, a.fields])).toEqual([
      ['ada@example.com', 'email', { note: 'backup checked', ticket: 'OPS-1' }],
      ['cy@example.com', 'web', { ticket: 'OPS-2' }],
    ]);
    expect(Object.keys(response.approvals?.[0]?.fields ?? {})).toEqual(['note', 'ticket']);
    // As before: the deciding vote's answers, earlier approvers' filling the gaps.
    expect(response.fields).toEqual({ note: 'backup checked', ticket: 'OPS-2' });
    const action = { action_description: 'Transfer 900 EUR', action_details: requestArgs({}).action_details };
    expect(verifyDecision(UNIT_SIGNING_SECRET, response, { pause_id: id, action })).toEqual({ ok: true });
    // The documented recipe: top-level keys sorted, JSON.stringify, HMAC-SHA256.
    const { signature, ...rest } = response as unknown as Record<string, unknown>;
    const sorted = Object.fromEntries(
      Object.keys(rest)
        .sort()
        .map((key) => [key, rest[key]]),
    );
    const hmac = createHmac('sha256', UNIT_SIGNING_SECRET).update(JSON.stringify(sorted)).digest('hex');
    expect(signature).toBe(`sha256=${hmac}`);
    // An earlier voter's answer cannot be changed without breaking the signature.
    const approvals = response.approvals ?? [];
    const forged = { ...response, approvals: [{ ...approvals[0], fields: { ticket: 'OPS-9' } }, approvals[1]] };
    expect(verifyDecision(UNIT_SIGNING_SECRET, forged, { pause_id: id }).ok).toBe(false);

    const voted = (await world.store.pauseTimeline(id))
      .map((entry) => parseEntry(entry.body, entry.prev))
      .filter((entry) => entry.type === 'pause.voted');
    expect(voted.map((entry) => [entry.actor, entry.data])).toEqual([
      [
        'ada@example.com',
        { decision: 'approved', channel: 'email', fields: { note: 'backup checked', ticket: 'OPS-1' } },
      ],
      ['cy@example.com', { decision: 'approved', channel: 'web', fields: { ticket: 'OPS-2' } }],
    ]);
  });

  it('one rejection ends it (veto), even after an approval', async () => {
    const world = policyWorld();
    const id = await ask(world);
    expect((await decideApproval(world.decideDeps, id, decision('ada@example.com'))).outcome).toBe('counted');
    const veto = await decideApproval(
      world.decideDeps,
      id,
      decision('bob@example.com', { decision: 'rejected', comment: 'no' }),
    );
    expect(veto.outcome).toBe('decided');
    const done = await view(world, id);
    expect(done).toMatchObject({
      status: 'responded',
      response: { decision: 'rejected', responder: 'bob@example.com' },
    });
    expect(done.response?.approvals).toEqual([expect.objectContaining({ responder: 'ada@example.com' })]);
    expect(verifyDecision(UNIT_SIGNING_SECRET, done.response, { pause_id: id }).ok).toBe(true);
  });

  it('a human who approved may not veto afterwards: their vote is already in', async () => {
    const world = policyWorld();
    const id = await ask(world);
    await decideApproval(world.decideDeps, id, decision('ada@example.com'));
    const turned = await decideApproval(world.decideDeps, id, decision('ada@example.com', { decision: 'rejected' }));
    expect(turned.outcome).toBe('already_voted');
    expect((await view(world, id)).status).toBe('pending');
  });

  it('maker-checker without Slack: the owner is refused; a Slack voter cannot be told apart from an owner known by e-mail', async () => {
    const world = policyWorld();
    const id = await ask(world, 'Deploy billing');
    // The caller's own pairing (a Slack id and the e-mail beside it) is all that is known: it joins Bob to the owner.
    const owner = await decideApproval(
      world.decideDeps,
      id,
      decision('bob@example.com', { channel: 'slack', identities: ['U0BOB0001', 'BOB@example.com'] }),
    );
    expect(owner.outcome).toBe('owner');
    // Eve is an approver by Slack id; nothing says which Slack account the owner's address is: unverifiable,
    // whether or not a profile e-mail comes with her id (it joins, it never tells people apart).
    for (const identities of [['U0EVE0001'], ['U0EVE0001', 'eve@example.com']]) {
      const unknown = await decideApproval(
        world.decideDeps,
        id,
        decision('U0EVE0001', { channel: 'slack', identities }),
      );
      expect(unknown).toMatchObject({
        outcome: 'unverifiable',
        reason: { from: 'owner', voter: 'slack', cause: { kind: 'no_slack' } },
      });
    }
    expect(await view(world, id)).toMatchObject({ status: 'pending', approvals_received: 0 });
    expect((await world.store.getPause(id))?.votes ?? []).toHaveLength(0);
    // By e-mail, addresses are told apart: the pause is decided without the owner.
    expect((await decideApproval(world.decideDeps, id, decision('cy@example.com'))).outcome).toBe('counted');
    expect((await decideApproval(world.decideDeps, id, decision('dee@example.com'))).outcome).toBe('decided');
  });

  it('maker-checker with Slack: ids are compared through the account holding the owner address', async () => {
    const world = policyWorld();
    const profiles: Record<string, string> = {
      U0BOB0001: 'bob@example.com',
      U0EVE0001: 'eve@example.com',
      U0CY00001: 'cy@example.com',
    };
    const directory: IdentityDirectory = {
      slackIdOf: async (email) => {
        const id = Object.keys(profiles).find((user) => profiles[user] === email.toLowerCase());
        return id ? { kind: 'found', value: id } : { kind: 'none' };
      },
      emailOf: async (user) => {
        const email = profiles[user];
        return email ? { kind: 'found', value: email } : { kind: 'none' };
      },
    };
    const deps = { ...world.decideDeps, identities: directory };
    const id = await ask(world, 'Deploy billing');
    // Bob's Slack account, whatever e-mail the click carries.
    const bob = decision('U0BOB0001', { channel: 'slack', identities: ['U0BOB0001'] });
    expect((await decideApproval(deps, id, bob)).outcome).toBe('owner');
    const eve = decision('eve@example.com', { channel: 'slack', identities: ['U0EVE0001'] });
    expect((await decideApproval(deps, id, eve)).outcome).toBe('counted');
    // Eve again by e-mail: Slack holds her address under the account that voted.
    expect((await decideApproval(deps, id, decision('eve@example.com'))).outcome).toBe('already_voted');
    expect((await world.store.getPause(id))?.votes?.[0]?.voters).toEqual(['U0EVE0001']);
    // Dee's address is on no Slack account, and Eve is listed by her Slack id only: nothing tells them apart.
    expect(await decideApproval(deps, id, decision('dee@example.com'))).toMatchObject({
      outcome: 'unverifiable',
      reason: { from: 'earlier_voter', voter: 'email', cause: { kind: 'none' } },
    });
    // Cy's address is held by another Slack account than Eve's: counted, and it decides.
    expect((await decideApproval(deps, id, decision('cy@example.com'))).outcome).toBe('decided');
  });

  it('an escalation approver may vote only once the step has come due', async () => {
    const world = policyWorld();
    const id = await ask(world);
    world.clock.advance(HOUR - 1);
    expect((await decideApproval(world.decideDeps, id, decision('lead@example.com'))).outcome).toBe('not_approver');
    world.clock.advance(1);
    expect((await decideApproval(world.decideDeps, id, decision('lead@example.com'))).outcome).toBe('counted');
    expect((await decideApproval(world.decideDeps, id, decision('dee@example.com'))).outcome).toBe('decided');
    const done = await view(world, id);
    expect(done.response?.approvals?.map((a) => a.responder)).toEqual(['lead@example.com', 'dee@example.com']);
  });

  it('on_timeout rejected: at the deadline the policy decides, signed then, channel policy', async () => {
    const world = policyWorld();
    const id = await ask(world);
    expect((await decideApproval(world.decideDeps, id, decision('ada@example.com'))).outcome).toBe('counted');
    world.clock.advance(4 * HOUR - 1);
    expect(await view(world, id)).toMatchObject({ status: 'pending', approvals_received: 1, approvals_required: 2 });
    world.clock.advance(1);
    // Past the deadline, before the sweep: still pending, with no decision to read, and too late for a vote.
    const before = await view(world, id);
    expect(before.status).toBe('pending');
    expect(before.response).toBeUndefined();
    expect((await decideApproval(world.decideDeps, id, decision('cy@example.com'))).outcome).toBe('already_final');
    // The runner's sweep signs the policy's decision and ends the pause with it.
    const swept = await world.store.sweepExpired(world.clock.now(), 100);
    expect(swept).toEqual([{ pause_id: id, outcome: 'due_decision' }]);
    expect(await endAtDeadline({ store: world.store, signing: world.decideDeps }, id, world.clock.now())).toBe(
      'rejected',
    );
    const done = await view(world, id);
    expect(done).toMatchObject({
      status: 'responded',
      response: { decision: 'rejected', channel: 'policy', responder: 'policy:payments', approvals: [] },
    });
    expect(done.response?.responded_at).toBe(done.expires_at);
    expect(verifyDecision(UNIT_SIGNING_SECRET, done.response, { pause_id: id }).ok).toBe(true);
    expect((await decideApproval(world.decideDeps, id, decision('cy@example.com'))).outcome).toBe('already_final');
  });
});
