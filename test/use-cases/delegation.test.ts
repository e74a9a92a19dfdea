import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEntry } from '../../src/domain/audit/chain.js';
import { parsePolicy } from '../../src/domain/policy/index.js';
import { verifyDecision } from '../../src/domain/signing.js';
import { ReceiptSigner } from '../../src/receipts/signer.js';
import { MemoryDelegations } from '../../src/store/memory-delegations.js';
import { decideApproval } from '../../src/use-cases/decide.js';
import { endDelegation } from '../../src/use-cases/end-delegation.js';
import { loadPause } from '../../src/use-cases/load-pause.js';
import { requestApproval } from '../../src/use-cases/request.js';
import { setDelegation } from '../../src/use-cases/set-delegation.js';
import { testReceiptKey } from '../helpers/receipt-keys.js';
import {
  decision,
  expectLoopPauseError,
  requestArgs,
  T0,
  UNIT_SIGNING_SECRET,
  useCaseWorld,
} from '../helpers/use-cases.js';

/**
 * Away and delegate through the use cases: who may be named, the delegate's vote in the away
 * approver's place (signed approvals entry, receipt, audit log), maker-checker and quorum on the
 * delegate's own identity, the away approver's and the delegate's votes colliding, and the window
 * ending while a request waits. A memory store and a manual clock.
 */

const DAY = 86_400_000;
const SARAH = 'sarah@acme.com';
const BOB = 'bob@acme.com';
const CY = 'cy@acme.com';
const EVE = 'eve@acme.com';

const policyText = (extra = '') => `
groups:
  finance: [${SARAH}, ${BOB}, ${CY}]
rules:
  - name: payments
    when: { action: "Transfer *" }
    route: { email: ops@acme.com }
    approvers: [group:finance]
    quorum: 2
${extra}
  - name: deploys
    when: { action: "Deploy *" }
    route: { email: ops@acme.com }
    approvers: [${SARAH}, ${CY}]
    owner_cannot_approve: true
    delegation: any
  - name: pairs
    when: { action: "Pay *" }
    route: { email: ops@acme.com }
    approvers: [${SARAH}, ${CY}]
    quorum: 2
    delegation: any
  - name: single
    when: { action: "Refund *" }
    route: { email: ops@acme.com }
    approvers: [${SARAH}]
    delegation: any
`;

function world(extra = '') {
  const parsed = parsePolicy(policyText(extra));
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const policy = { current: () => parsed.policy };
  const base = useCaseWorld();
  base.clock.set(T0);
  const delegations = new MemoryDelegations();
  const { privateKey } = testReceiptKey();
  const receipts = new ReceiptSigner({ privateKey, issuer: 'https://looppause.test', ttlSeconds: 600 });
  const deps = { ...base.deps, policy, ownerOf: async (agent: string) => (agent === 'agent-a' ? BOB : undefined) };
  const decideDeps = { ...base.decideDeps, delegations, receipts, policy };
  const delegationDeps = { delegations, audit: base.store, policy, now: base.deps.now };
  return { ...base, deps, decideDeps, delegationDeps, delegations };
}
type World = ReturnType<typeof world>;

async function ask(w: World, action: string, agent = 'agent-b'): Promise<string> {
  const { result } = await requestApproval(w.deps, agent, { ...requestArgs({}), action_description: action });
  return result.pause_id;
}

const away = (w: World, absent: string, delegate: string, untilMs = T0 + DAY) =>
  setDelegation(w.delegationDeps, { absent, delegate, until: new Date(untilMs).toISOString() }, absent);

const claimsOf = (receipt: string) => JSON.parse(Buffer.from(receipt.split('.')[1] ?? '', 'base64url').toString());

describe('setting a delegation', () => {
  it('refuses oneself, the past, a loop, a chain, and what the policy does not allow, naming the field', async () => {
    const w = world();
    await expectLoopPauseError(away(w, SARAH, SARAH), 'invalid_argument', 'delegate');
    await expectLoopPauseError(away(w, SARAH, BOB, T0 - 1), 'invalid_argument', 'until');
    await away(w, SARAH, BOB);
    await expectLoopPauseError(away(w, BOB, SARAH), 'invalid_argument', 'delegate');
    await expectLoopPauseError(away(w, BOB, CY), 'invalid_argument', 'absent');
    await expectLoopPauseError(away(w, CY, SARAH), 'invalid_argument', 'delegate');
    // Bob is named only by the quorum rule (within_group, the default): Eve is no approver there.
    await endDelegation(w.delegationDeps, SARAH, SARAH);
    await expectLoopPauseError(away(w, BOB, EVE), 'invalid_argument', 'delegate');
    await expectLoopPauseError(
      setDelegation(w.delegationDeps, { absent: CY, delegate: '<!channel>', until: 'soon' }, CY),
      'invalid_argument',
      'delegate',
    );
    const denied = world('    delegation: deny');
    await expectLoopPauseError(away(denied, BOB, CY), 'invalid_argument', 'policy');
  });

  it('puts setting and ending on the audit log; ending twice ends nothing', async () => {
    const w = world();
    await away(w, SARAH, BOB);
    expect(await endDelegation(w.delegationDeps, SARAH, SARAH)).toMatchObject({ absent: SARAH, delegate: BOB });
    expect(await endDelegation(w.delegationDeps, SARAH, SARAH)).toBeUndefined();
    const page = await w.store.readAudit({ limit: 10 });
    const types = page.entries.map((e) => parseEntry(e.body, e.prev).type);
    expect(types).toEqual(['delegation.set', 'delegation.ended']);
  });
});

describe('voting in an away approver’s place', () => {
  it('records on_behalf_of in the vote, the signed approvals entry, the receipt and the audit log', async () => {
    const w = world();
    const id = await ask(w, 'Refund 20 EUR');
    await away(w, SARAH, EVE);
    const out = await decideApproval(w.decideDeps, id, decision(EVE));
    expect(out.outcome).toBe('decided');
    const pause = await loadPause(w.deps, id);
    const response = pause?.response;
    expect(response?.approvals).toEqual([expect.objectContaining({ responder: EVE, on_behalf_of: SARAH })]);
    expect(Object.keys(response?.approvals?.[0] ?? {})).toEqual([
      'channel',
      'comment',
      'fields',
      'on_behalf_of',
      'responded_at',
      'responder',
    ]);
    expect(verifyDecision(UNIT_SIGNING_SECRET, response, { pause_id: id })).toEqual({ ok: true });
    // The documented recipe: drop signature, sort the top level, stringify, HMAC.
    const { signature, ...rest } = response as unknown as Record<string, unknown>;
    const sorted = Object.fromEntries(
      Object.keys(rest)
        .sort()
        .map((k) => [k, rest[k]]),
    );
    expect(signature).toBe(
      `sha256=${createHmac('sha256', UNIT_SIGNING_SECRET).update(JSON.stringify(sorted)).digest('hex')}`,
    );
    expect(claimsOf(response?.receipt ?? '')).toMatchObject({ approvers: [EVE], on_behalf_of: { [EVE]: SARAH } });
    const entries = (await w.store.readAudit({ limit: 20 })).entries.map((e) => parseEntry(e.body, e.prev));
    expect(entries.find((e) => e.type === 'pause.voted')).toMatchObject({
      actor: EVE,
      data: { on_behalf_of: SARAH },
    });
  });

  it('a rejection by a delegate names whom it stood for, signed and in the receipt', async () => {
    const w = world();
    const id = await ask(w, 'Refund 20 EUR');
    await away(w, SARAH, EVE);
    await decideApproval(w.decideDeps, id, decision(EVE, { decision: 'rejected' }));
    const response = (await loadPause(w.deps, id))?.response;
    expect(response).toMatchObject({ decision: 'rejected', responder: EVE, on_behalf_of: SARAH });
    expect(verifyDecision(UNIT_SIGNING_SECRET, response, { pause_id: id })).toEqual({ ok: true });
    expect(claimsOf(response?.receipt ?? '')).toMatchObject({ approvers: [EVE], on_behalf_of: { [EVE]: SARAH } });
  });

  it('without a delegation, or once it has ended, the same voter is not an approver', async () => {
    const w = world();
    const id = await ask(w, 'Refund 20 EUR');
    expect((await decideApproval(w.decideDeps, id, decision(EVE))).outcome).toBe('not_approver');
    await away(w, SARAH, EVE, T0 + 60_000);
    w.clock.advance(60_000);
    // The window ended while the request was open: Eve no longer decides for Sarah.
    expect((await decideApproval(w.decideDeps, id, decision(EVE))).outcome).toBe('not_approver');
    expect((await decideApproval(w.decideDeps, id, decision(SARAH))).outcome).toBe('decided');
  });

  it('a delegation set while a request waits counts for it; ended by "back", it no longer does', async () => {
    const w = world();
    const id = await ask(w, 'Refund 20 EUR');
    await away(w, SARAH, EVE);
    await endDelegation(w.delegationDeps, SARAH, SARAH);
    expect((await decideApproval(w.decideDeps, id, decision(EVE))).outcome).toBe('not_approver');
  });

  it('the away approver and their delegate count once: whoever votes second is a repeat', async () => {
    const w = world();
    const first = await ask(w, 'Transfer 900 EUR');
    await away(w, SARAH, BOB);
    expect((await decideApproval(w.decideDeps, first, decision(BOB))).outcome).toBe('counted');
    expect((await decideApproval(w.decideDeps, first, decision(SARAH))).outcome).toBe('already_voted');
    expect((await decideApproval(w.decideDeps, first, decision(CY))).outcome).toBe('decided');
    const approvals = (await loadPause(w.deps, first))?.response?.approvals ?? [];
    expect(approvals.map((a) => [a.responder, a.on_behalf_of])).toEqual([
      [BOB, SARAH],
      [CY, undefined],
    ]);

    // Sarah first: Bob, an approver himself, still votes as himself (not for her).
    const second = await ask(w, 'Transfer 901 EUR');
    expect((await decideApproval(w.decideDeps, second, decision(SARAH))).outcome).toBe('counted');
    expect((await decideApproval(w.decideDeps, second, decision(BOB))).outcome).toBe('decided');
    const again = (await loadPause(w.deps, second))?.response?.approvals ?? [];
    expect(again.map((a) => [a.responder, a.on_behalf_of])).toEqual([
      [SARAH, undefined],
      [BOB, undefined],
    ]);
  });

  it('racing votes of the away approver and a delegate who is no approver: exactly one counts', async () => {
    for (let round = 0; round < 10; round++) {
      const w = world();
      const id = await ask(w, 'Pay 20 EUR');
      await away(w, SARAH, EVE);
      const outcomes = await Promise.all([
        decideApproval(w.decideDeps, id, decision(SARAH)),
        decideApproval(w.decideDeps, id, decision(EVE)),
      ]);
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['already_voted', 'counted']);
      expect((await loadPause(w.deps, id))?.votes).toHaveLength(1);
      expect((await decideApproval(w.decideDeps, id, decision(CY))).outcome).toBe('decided');
    }
  });

  it('a delegate who already stood in for the approver cannot vote again once they have voted', async () => {
    const w = world();
    const id = await ask(w, 'Refund 20 EUR');
    await away(w, SARAH, EVE);
    await decideApproval(w.decideDeps, id, decision(SARAH, { decision: 'approved' }));
    // Sarah decided herself: nothing is left for Eve.
    expect((await decideApproval(w.decideDeps, id, decision(EVE))).outcome).toBe('already_final');
  });

  it('under maker-checker, a delegate who owns the key still may not approve', async () => {
    const w = world();
    const id = await ask(w, 'Deploy api', 'agent-a');
    await away(w, SARAH, BOB);
    expect((await decideApproval(w.decideDeps, id, decision(BOB))).outcome).toBe('owner');
    expect((await decideApproval(w.decideDeps, id, decision(CY))).outcome).toBe('decided');
  });

  it('within_group: a delegate who is no approver of the request cannot stand in on it', async () => {
    const w = world();
    // Sarah is named by "single" (any) too, so naming Eve is allowed; on the quorum rule Eve is nobody.
    const id = await ask(w, 'Transfer 900 EUR');
    await away(w, SARAH, EVE);
    expect((await decideApproval(w.decideDeps, id, decision(EVE))).outcome).toBe('not_approver');
  });

  it('delegation: deny on the rule: nobody stands in on its requests', async () => {
    const w = world('    delegation: deny');
    const id = await ask(w, 'Transfer 900 EUR');
    await away(w, SARAH, EVE);
    expect((await decideApproval(w.decideDeps, id, decision(EVE))).outcome).toBe('not_approver');
  });
});
