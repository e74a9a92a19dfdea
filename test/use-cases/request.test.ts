import { describe, expect, it } from 'vitest';
import { MANDATORY_NEXT_STEP } from '../../src/domain/pause.js';
import { actionDigest } from '../../src/domain/signing.js';
import { JobKind } from '../../src/jobs/job-kinds.js';
import { decideApproval } from '../../src/use-cases/decide.js';
import { requestApproval } from '../../src/use-cases/request.js';
import {
  ACTION,
  claimDue,
  decision,
  expectLoopPauseError,
  FALLBACK_MS,
  jobKindsDue,
  metricValue,
  requestArgs,
  T0,
  useCaseWorld,
} from '../helpers/use-cases.js';

describe('requestApproval', () => {
  it('stores a pending pause with its deadline from the injected clock and the action digest', async () => {
    const world = useCaseWorld();
    const { result, created } = await requestApproval(
      world.deps,
      'agent-a',
      requestArgs({ recipient_email: 'ops@example.com', timeout_hours: 0.5 }),
    );
    expect(created).toBe(true);
    expect(result).toEqual({
      pause_id: expect.stringMatching(/^pse_/),
      status: 'pending',
      expires_at: new Date(T0 + 1_800_000).toISOString(),
      MANDATORY_NEXT_STEP,
    });
    const stored = await world.store.getPause(result.pause_id);
    expect(stored).toMatchObject({
      agent_id: 'agent-a',
      status: 'pending',
      created_at: new Date(T0).toISOString(),
      action_digest: actionDigest(ACTION),
    });
  });

  it('refuses bad arguments naming the field, and stores nothing', async () => {
    const world = useCaseWorld();
    await expectLoopPauseError(
      requestApproval(world.deps, 'agent-a', { action_description: 'x', recipient_email: 'ops@example.com' }),
      'invalid_argument',
      'action_details',
    );
    await expectLoopPauseError(
      requestApproval(world.deps, 'agent-a', requestArgs({})),
      'invalid_argument',
      'recipient_slack',
    );
    expect((await world.store.listPauses({ limit: 10 })).items).toEqual([]);
  });
});

describe('requestApproval: recipient rules', () => {
  it('refuses e-mail recipients and e-mail approvers outside the allowed domains; stores no pause and no job', async () => {
    const world = useCaseWorld({ allowedEmailDomains: ['example.com'] });
    await expectLoopPauseError(
      requestApproval(world.deps, 'agent-a', requestArgs({ recipient_email: 'me@attacker.test' })),
      'invalid_argument',
      'recipient_email',
    );
    await expectLoopPauseError(
      requestApproval(
        world.deps,
        'agent-a',
        requestArgs({ recipient_email: 'ops@example.com', approvers: ['U0ADA0001', 'me@attacker.test'] }),
      ),
      'invalid_argument',
      'approvers.1',
    );
    expect((await world.store.listPauses({ limit: 10 })).items).toEqual([]);
    expect(await claimDue(world.store, T0 + 10 * FALLBACK_MS)).toEqual([]);

    const ok = await requestApproval(world.deps, 'agent-a', requestArgs({ recipient_email: 'Ops@EXAMPLE.com' }));
    expect(ok.created).toBe(true);
  });

  it('refuses Slack destinations outside the allowed channels (#names in any case)', async () => {
    const world = useCaseWorld({ allowedSlackChannels: ['#ops', 'C0OPS0001'] });
    await expectLoopPauseError(
      requestApproval(world.deps, 'agent-a', requestArgs({ recipient_slack: 'U0ATTACK1' })),
      'invalid_argument',
      'recipient_slack',
    );
    for (const target of ['#ops', 'C0OPS0001']) {
      expect((await requestApproval(world.deps, 'agent-a', requestArgs({ recipient_slack: target }))).created).toBe(
        true,
      );
    }
  });

  it('without Slack, a Slack-only request is refused and one with an e-mail goes by e-mail alone', async () => {
    const world = useCaseWorld({ slackEnabled: false });
    await expectLoopPauseError(
      requestApproval(world.deps, 'agent-a', requestArgs({ recipient_slack: '#ops' })),
      'invalid_argument',
      'recipient_slack',
    );
    const { result } = await requestApproval(
      world.deps,
      'agent-a',
      requestArgs({ recipient_slack: '#ops', recipient_email: 'ops@example.com' }),
    );
    expect(await jobKindsDue(world.store, T0 + 10 * FALLBACK_MS, result.pause_id)).toEqual([JobKind.emailSend]);
  });
});

describe('requestApproval: idempotency', () => {
  it('the same request with the same key returns the first pause, created once', async () => {
    const world = useCaseWorld();
    const args = requestArgs({ recipient_email: 'ops@example.com', idempotency_key: 'deploy-42' });
    const first = await requestApproval(world.deps, 'agent-a', args);
    world.clock.advance(5_000);
    const again = await requestApproval(world.deps, 'agent-a', structuredClone(args));
    expect(again).toEqual({ created: false, result: first.result });
    expect((await world.store.listPauses({ limit: 10 })).items).toHaveLength(1);
  });

  it('returns the earlier pause with its status now, once it has ended', async () => {
    const world = useCaseWorld();
    const args = requestArgs({ recipient_email: 'ops@example.com', idempotency_key: 'deploy-42' });
    const first = await requestApproval(world.deps, 'agent-a', args);
    await decideApproval(world.decideDeps, first.result.pause_id, decision('ada@example.com'));
    const again = await requestApproval(world.deps, 'agent-a', args);
    expect(again.result).toMatchObject({ pause_id: first.result.pause_id, status: 'responded' });
  });

  it('a different request under a used key is a conflict naming idempotency_key and the first pause', async () => {
    const world = useCaseWorld();
    const first = await requestApproval(
      world.deps,
      'agent-a',
      requestArgs({ recipient_email: 'ops@example.com', idempotency_key: 'deploy-42' }),
    );
    const error = await expectLoopPauseError(
      requestApproval(
        world.deps,
        'agent-a',
        requestArgs({ recipient_email: 'ops@example.com', idempotency_key: 'deploy-42', timeout_hours: 2 }),
      ),
      'conflict',
      'idempotency_key',
    );
    expect(error.message).toContain(first.result.pause_id);
  });

  it('keys are per agent', async () => {
    const world = useCaseWorld();
    const args = requestArgs({ recipient_email: 'ops@example.com', idempotency_key: 'deploy-42' });
    const a = await requestApproval(world.deps, 'agent-a', args);
    const b = await requestApproval(world.deps, 'agent-b', args);
    expect(b.created).toBe(true);
    expect(b.result.pause_id).not.toBe(a.result.pause_id);
  });
});

describe('requestApproval: the delivery plan is stored with the pause', () => {
  const create = async (slackEnabled: boolean, recipients: { recipient_slack?: string; recipient_email?: string }) => {
    const world = useCaseWorld({ slackEnabled });
    const { result } = await requestApproval(world.deps, 'agent-a', requestArgs(recipients));
    return { world, id: result.pause_id };
  };

  it('Slack only: one Slack post, due now', async () => {
    const { world, id } = await create(true, { recipient_slack: '#ops' });
    expect(await jobKindsDue(world.store, T0, id)).toEqual([JobKind.slackPost]);
    expect(await jobKindsDue(world.store, T0 + 100 * FALLBACK_MS, id)).toEqual([]);
  });

  it('e-mail only: one e-mail, due now', async () => {
    const { world, id } = await create(true, { recipient_email: 'ops@example.com' });
    expect(await jobKindsDue(world.store, T0, id)).toEqual([JobKind.emailSend]);
    expect(await jobKindsDue(world.store, T0 + 100 * FALLBACK_MS, id)).toEqual([]);
  });

  it('both: the Slack post now, the e-mail fallback at created + the fallback delay', async () => {
    const { world, id } = await create(true, { recipient_slack: '#ops', recipient_email: 'ops@example.com' });
    expect(await jobKindsDue(world.store, T0, id)).toEqual([JobKind.slackPost]);
    expect(await jobKindsDue(world.store, T0 + FALLBACK_MS - 1, id)).toEqual([]);
    expect(await jobKindsDue(world.store, T0 + FALLBACK_MS, id)).toEqual([JobKind.emailFallback]);
  });
});

describe('requestApproval: metrics', () => {
  it('counts created pauses by recipients, not idempotent repeats', async () => {
    const world = useCaseWorld();
    const metrics = world.metrics;
    if (!metrics) throw new Error('metrics expected');
    await requestApproval(world.deps, 'agent-a', requestArgs({ recipient_slack: '#ops' }));
    await requestApproval(world.deps, 'agent-a', requestArgs({ recipient_email: 'ops@example.com' }));
    const both = requestArgs({ recipient_slack: '#ops', recipient_email: 'ops@example.com', idempotency_key: 'k' });
    await requestApproval(world.deps, 'agent-a', both);
    await requestApproval(world.deps, 'agent-a', both);
    expect(await metricValue(metrics.pausesCreated, { recipients: 'slack' })).toBe(1);
    expect(await metricValue(metrics.pausesCreated, { recipients: 'email' })).toBe(1);
    expect(await metricValue(metrics.pausesCreated, { recipients: 'slack+email' })).toBe(1);
  });

  it('creates without metrics too', async () => {
    const world = useCaseWorld({ metrics: false });
    const { created } = await requestApproval(world.deps, 'agent-a', requestArgs({ recipient_slack: '#ops' }));
    expect(created).toBe(true);
  });
});
