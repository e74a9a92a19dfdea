import { describe, expect, it } from 'vitest';
import { newPauseId } from '../../src/domain/ids.js';
import { cancelApproval } from '../../src/use-cases/cancel.js';
import { decideApproval } from '../../src/use-cases/decide.js';
import { loadPause } from '../../src/use-cases/load-pause.js';
import { decision, expectLoopPauseError, metricValue, newPause, T0, useCaseWorld } from '../helpers/use-cases.js';

describe('cancelApproval', () => {
  it('withdraws a pending pause once; a second cancel says nothing changed', async () => {
    const world = useCaseWorld();
    const id = await newPause(world);
    world.clock.advance(10_000);

    const first = await cancelApproval(world.deps, 'agent-a', { pause_id: id, reason: 'plan changed' });
    expect(first).toMatchObject({ pause_id: id, status: 'expired', cancelled: true });
    const stored = await world.store.getPause(id);
    expect(stored).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'plan changed',
      ended_at: new Date(T0 + 10_000).toISOString(),
    });

    const second = await cancelApproval(world.deps, 'agent-a', { pause_id: id, reason: 'again' });
    expect(second).toMatchObject({ pause_id: id, status: 'expired', cancelled: false });
    expect(second.message).toMatch(/^Nothing changed/);
    expect((await world.store.getPause(id))?.cancel_reason).toBe('plan changed');
  });

  it('leaves a decided pause decided, and says so', async () => {
    const world = useCaseWorld();
    const id = await newPause(world);
    await decideApproval(world.decideDeps, id, decision('ada@example.com'));
    const result = await cancelApproval(world.deps, 'agent-a', { pause_id: id });
    expect(result).toMatchObject({ status: 'responded', cancelled: false });
    expect(result.message).toContain('responded');
    expect((await world.store.getPause(id))?.response?.responder).toBe('ada@example.com');
  });

  it('past the deadline the pause has timed out: nothing to cancel', async () => {
    const world = useCaseWorld();
    const id = await newPause(world, { recipient_email: 'ops@example.com', timeout_hours: 1 });
    world.clock.set(T0 + 3_600_000);
    const result = await cancelApproval(world.deps, 'agent-a', { pause_id: id });
    expect(result).toMatchObject({ status: 'timed_out', cancelled: false });
    expect((await loadPause(world.deps, id))?.status).toBe('timed_out');
  });

  it("another agent's pause is not found and stays pending", async () => {
    const world = useCaseWorld();
    const id = await newPause(world, { recipient_email: 'ops@example.com' }, 'agent-a');
    await expectLoopPauseError(cancelApproval(world.deps, 'agent-b', { pause_id: id }), 'not_found', 'pause_id');
    await expectLoopPauseError(cancelApproval(world.deps, 'agent-a', { pause_id: newPauseId() }), 'not_found');
    expect((await world.store.getPause(id))?.status).toBe('pending');
  });

  it('refuses a reason over 500 characters, naming the field', async () => {
    const world = useCaseWorld();
    const id = await newPause(world);
    await expectLoopPauseError(
      cancelApproval(world.deps, 'agent-a', { pause_id: id, reason: 'x'.repeat(501) }),
      'invalid_argument',
      'reason',
    );
    expect((await world.store.getPause(id))?.status).toBe('pending');
  });

  it('counts a cancellation once', async () => {
    const world = useCaseWorld();
    const metrics = world.metrics;
    if (!metrics) throw new Error('metrics expected');
    const id = await newPause(world);
    await cancelApproval(world.deps, 'agent-a', { pause_id: id });
    await cancelApproval(world.deps, 'agent-a', { pause_id: id });
    expect(await metricValue(metrics.pausesEnded, { outcome: 'cancelled', channel: 'agent' })).toBe(1);
  });
});
