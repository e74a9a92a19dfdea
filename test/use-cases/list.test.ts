import { describe, expect, it } from 'vitest';
import { cancelApproval } from '../../src/use-cases/cancel.js';
import { decideApproval } from '../../src/use-cases/decide.js';
import { listApprovals } from '../../src/use-cases/list.js';
import { decision, newPause, T0, useCaseWorld } from '../helpers/use-cases.js';

describe('listApprovals', () => {
  it("lists only the agent's own pauses, newest first", async () => {
    const world = useCaseWorld();
    const own: string[] = [];
    for (let i = 0; i < 3; i++) {
      own.push(await newPause(world, { recipient_email: 'ops@example.com' }, 'agent-a'));
      await newPause(world, { recipient_email: 'ops@example.com' }, 'agent-b');
      world.clock.advance(1000);
    }
    const page = await listApprovals(world.deps, 'agent-a', { limit: 10 });
    expect(page.items.map((p) => p.pause_id)).toEqual([...own].reverse());
    expect(page.items.every((p) => p.agent_id === 'agent-a')).toBe(true);
    expect(page.next_cursor).toBeNull();
    expect((await listApprovals(world.deps, 'agent-c', { limit: 10 })).items).toEqual([]);
  });

  it('pages through every own pause exactly once', async () => {
    const world = useCaseWorld();
    const own = new Set<string>();
    for (let i = 0; i < 7; i++) {
      own.add(await newPause(world));
      if (i % 2) world.clock.advance(1000); // some share a created_at
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await listApprovals(world.deps, 'agent-a', { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((p) => p.pause_id));
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    expect(seen).toHaveLength(own.size);
    expect(new Set(seen)).toEqual(own);
  });

  it('shows each status as of now: past its deadline a pause reads timed_out before any sweep', async () => {
    const world = useCaseWorld();
    const short = await newPause(world, { recipient_email: 'ops@example.com', timeout_hours: 1 });
    const decided = await newPause(world, { recipient_email: 'ops@example.com', timeout_hours: 1 });
    const cancelled = await newPause(world, { recipient_email: 'ops@example.com', timeout_hours: 1 });
    const long = await newPause(world, { recipient_email: 'ops@example.com', timeout_hours: 2 });
    await decideApproval(world.decideDeps, decided, decision('ada@example.com'));
    await cancelApproval(world.deps, 'agent-a', { pause_id: cancelled });
    world.clock.set(T0 + 3_600_000);

    const statuses = Object.fromEntries(
      (await listApprovals(world.deps, 'agent-a', { limit: 10 })).items.map((p) => [p.pause_id, p.status]),
    );
    expect(statuses).toEqual({
      [short]: 'timed_out',
      [decided]: 'responded',
      [cancelled]: 'expired',
      [long]: 'pending',
    });
    const view = (await listApprovals(world.deps, 'agent-a', { limit: 10 })).items.find((p) => p.pause_id === short);
    expect(view?.message).toBeUndefined();
  });

  it('filters on the stored status, while each item shows its status as of now (docs/api.md)', async () => {
    const world = useCaseWorld();
    const short = await newPause(world, { recipient_email: 'ops@example.com', timeout_hours: 1 });
    const decided = await newPause(world);
    await decideApproval(world.decideDeps, decided, decision('ada@example.com'));
    world.clock.set(T0 + 3_600_000);

    const pending = await listApprovals(world.deps, 'agent-a', { status: 'pending', limit: 10 });
    expect(pending.items.map((p) => [p.pause_id, p.status])).toEqual([[short, 'timed_out']]);
    const responded = await listApprovals(world.deps, 'agent-a', { status: 'responded', limit: 10 });
    expect(responded.items.map((p) => p.pause_id)).toEqual([decided]);

    await world.store.sweepExpired(world.clock.now(), 100);
    expect((await listApprovals(world.deps, 'agent-a', { status: 'pending', limit: 10 })).items).toEqual([]);
    const timedOut = await listApprovals(world.deps, 'agent-a', { status: 'timed_out', limit: 10 });
    expect(timedOut.items.map((p) => p.pause_id)).toEqual([short]);
  });
});
