import { describe, expect, it } from 'vitest';
import { notFound } from '../../src/domain/errors.js';
import { newPauseId } from '../../src/domain/ids.js';
import { loadOwnPause, loadPause } from '../../src/use-cases/load-pause.js';
import { expectLoopPauseError, newPause, T0, useCaseWorld } from '../helpers/use-cases.js';

describe('loadPause', () => {
  it('reads any pause with its status as of now: timed_out from the deadline on, ended at the deadline', async () => {
    const world = useCaseWorld();
    const id = await newPause(world, { recipient_email: 'ops@example.com', timeout_hours: 1 });
    world.clock.set(T0 + 3_600_000 - 1);
    expect((await loadPause(world.deps, id))?.status).toBe('pending');
    world.clock.set(T0 + 3_600_000);
    expect(await loadPause(world.deps, id)).toMatchObject({
      status: 'timed_out',
      ended_at: new Date(T0 + 3_600_000).toISOString(),
    });
    expect(await loadPause(world.deps, newPauseId())).toBeNull();
  });
});

describe('loadOwnPause', () => {
  it("another agent's pause is indistinguishable from one that does not exist", async () => {
    const world = useCaseWorld();
    const id = await newPause(world, { recipient_email: 'ops@example.com' }, 'agent-a');
    expect((await loadOwnPause(world.deps, 'agent-a', id)).pause_id).toBe(id);
    const error = await expectLoopPauseError(loadOwnPause(world.deps, 'agent-b', id), 'not_found', 'pause_id');
    expect(error.message).toBe(notFound(id).message);
  });
});
