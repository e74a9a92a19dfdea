import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { notFound } from '../../src/domain/errors.js';
import { newPauseId } from '../../src/domain/ids.js';
import { verifyDecision } from '../../src/domain/signing.js';
import { WaitingChecks } from '../../src/use-cases/check.js';
import { decideApproval } from '../../src/use-cases/decide.js';
import { endAtDeadline } from '../../src/use-cases/end-at-deadline.js';
import { pauseAt } from '../helpers/pauses.js';
import {
  decision,
  expectLoopPauseError,
  fakeTimerClock,
  metricValue,
  newPause,
  T0,
  track,
  UNIT_SIGNING_SECRET,
  useCaseWorld,
} from '../helpers/use-cases.js';

/** The hint a pending view carries for the agent (its wording is the domain's). */
const PENDING_HINT = expect.any(String);

/**
 * Waits run on Vitest's fake timers, and the use cases' clock reads the faked Date: a wait of
 * 30 s ends when the test moves time 30 s, and "still waiting" means no timer has fired.
 */
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(maxPerAgent = 100) {
  const world = useCaseWorld({ clock: fakeTimerClock });
  const checks = new WaitingChecks(world.deps, maxPerAgent);
  const { metrics } = world;
  if (!metrics) throw new Error('metrics expected');
  const gauge = () => metricValue(metrics.waitingChecks);
  return { world, checks, gauge };
}

/** Lets every pending promise callback run, with no time passing. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('check_approval without waiting', () => {
  it('answers at once with the pending hint', async () => {
    const { world, checks, gauge } = setup();
    const id = await newPause(world);
    const view = await checks.check('agent-a', { pause_id: id });
    expect(view).toMatchObject({ pause_id: id, status: 'pending', message: PENDING_HINT });
    expect(await gauge()).toBe(0);
  });

  it("another agent's pause is not found, exactly as a pause that never existed", async () => {
    const { world, checks, gauge } = setup();
    const id = await newPause(world, { recipient_email: 'ops@example.com' }, 'agent-a');
    for (const wait_seconds of [0, 30]) {
      const error = await expectLoopPauseError(
        checks.check('agent-b', { pause_id: id, wait_seconds }),
        'not_found',
        'pause_id',
      );
      expect(error.message).toBe(notFound(id).message);
    }
    const unknown = newPauseId();
    await expectLoopPauseError(checks.check('agent-a', { pause_id: unknown }), 'not_found', 'pause_id');
    expect(await gauge()).toBe(0);
  });

  it('refuses a wait past 50 s, naming wait_seconds', async () => {
    const { world, checks } = setup();
    const id = await newPause(world);
    await expectLoopPauseError(
      checks.check('agent-a', { pause_id: id, wait_seconds: 51 }),
      'invalid_argument',
      'wait_seconds',
    );
  });
});

describe('check_approval with wait_seconds', () => {
  it('returns when a human decides, with the signed response, before any time passes', async () => {
    const { world, checks, gauge } = setup();
    const id = await newPause(world);
    const check = track(checks.check('agent-a', { pause_id: id, wait_seconds: 50 }));
    await settle();
    expect(check.settled).toBe(false);
    expect(await gauge()).toBe(1);

    await decideApproval(world.decideDeps, id, decision('ada@example.com'));
    const view = await check.promise;
    expect(view.status).toBe('responded');
    expect(view.response?.responder).toBe('ada@example.com');
    expect(Date.now()).toBe(T0);
    expect(await gauge()).toBe(0);
  });

  it('returns pending when the wait runs out, not a moment before', async () => {
    const { world, checks } = setup();
    const id = await newPause(world);
    const check = track(checks.check('agent-a', { pause_id: id, wait_seconds: 30 }));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(check.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(check.settled).toBe(true);
    expect(await check.promise).toMatchObject({ status: 'pending', message: PENDING_HINT });
  });

  it('returns timed_out when the pause reaches its deadline during the wait', async () => {
    const { world, checks } = setup();
    const id = await newPause(world, { recipient_email: 'ops@example.com', timeout_hours: 0.01 }); // 36 s
    const check = track(checks.check('agent-a', { pause_id: id, wait_seconds: 50 }));
    await vi.advanceTimersByTimeAsync(35_999);
    expect(check.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(check.settled).toBe(true);
    expect((await check.promise).status).toBe('timed_out');
  });

  it('past the deadline of a pause the policy decides then, waits (without spinning) for the signed decision', async () => {
    const { world, checks } = setup();
    const pause = pauseAt(T0, { timeout_decision: { decision: 'approved', rule: 'small' } }, 36_000);
    await world.store.createPause({ pause, jobs: [] });
    const check = track(checks.check('agent-a', { pause_id: pause.pause_id, wait_seconds: 50 }));
    await vi.advanceTimersByTimeAsync(36_010);
    expect(check.settled).toBe(false);
    const reads = vi.spyOn(world.store, 'getPause');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(check.settled).toBe(false);
    expect(reads.mock.calls.length).toBeLessThanOrEqual(3);
    // The runner's sweep signs the decision and ends the pause: the wait answers at once, signed.
    const ended = await endAtDeadline({ store: world.store, signing: world.decideDeps }, pause.pause_id, Date.now());
    expect(ended).toBe('approved');
    await settle();
    expect(check.settled).toBe(true);
    const view = await check.promise;
    expect(view).toMatchObject({
      status: 'responded',
      response: { decision: 'approved', responded_at: pause.expires_at },
    });
    expect(verifyDecision(UNIT_SIGNING_SECRET, view.response, { pause_id: pause.pause_id }).ok).toBe(true);
  });

  it('returns the current status when the caller aborts (client went away)', async () => {
    const { world, checks, gauge } = setup(1);
    const id = await newPause(world);
    const abort = new AbortController();
    const check = track(checks.check('agent-a', { pause_id: id, wait_seconds: 50 }, abort.signal));
    await settle();
    expect(check.settled).toBe(false);
    abort.abort();
    expect((await check.promise).status).toBe('pending');
    expect(Date.now()).toBe(T0);
    expect(await gauge()).toBe(0);

    // Its place under the cap (1 here) is free again: the next check waits.
    const next = track(checks.check('agent-a', { pause_id: id, wait_seconds: 50 }));
    await settle();
    expect(next.settled).toBe(false);
    checks.stop();
    await next.promise;
  });

  it('an already aborted signal answers at once', async () => {
    const { world, checks } = setup();
    const id = await newPause(world);
    const view = await checks.check('agent-a', { pause_id: id, wait_seconds: 50 }, AbortSignal.abort());
    expect(view.status).toBe('pending');
    expect(Date.now()).toBe(T0);
  });

  it('stop() answers every waiting check now, and later checks do not wait', async () => {
    const { world, checks, gauge } = setup();
    const a = await newPause(world);
    const b = await newPause(world, { recipient_slack: '#ops' }, 'agent-b');
    const waits = [
      track(checks.check('agent-a', { pause_id: a, wait_seconds: 50 })),
      track(checks.check('agent-b', { pause_id: b, wait_seconds: 50 })),
    ];
    await settle();
    expect(waits.map((w) => w.settled)).toEqual([false, false]);
    checks.stop();
    const views = await Promise.all(waits.map((w) => w.promise));
    expect(views.map((v) => v.status)).toEqual(['pending', 'pending']);
    expect(await checks.check('agent-a', { pause_id: a, wait_seconds: 50 })).toMatchObject({ status: 'pending' });
    expect(Date.now()).toBe(T0);
    expect(await gauge()).toBe(0);
  });
});

describe('check_approval: waiting checks per agent', () => {
  it('holds up to the cap per agent; past it a check answers at once; other agents still wait', async () => {
    const { world, checks, gauge } = setup(2);
    const id = await newPause(world);
    const held = [1, 2].map(() => track(checks.check('agent-a', { pause_id: id, wait_seconds: 50 })));
    await settle();
    expect(await gauge()).toBe(2);

    const third = await checks.check('agent-a', { pause_id: id, wait_seconds: 50 });
    expect(third.status).toBe('pending');
    expect(held.map((h) => h.settled)).toEqual([false, false]);

    const other = await newPause(world, { recipient_email: 'ops@example.com' }, 'agent-b');
    const otherWait = track(checks.check('agent-b', { pause_id: other, wait_seconds: 50 }));
    await settle();
    expect(otherWait.settled).toBe(false);
    expect(await gauge()).toBe(3);

    await decideApproval(world.decideDeps, id, decision('ada@example.com'));
    const views = await Promise.all(held.map((h) => h.promise));
    expect(views.map((v) => v.status)).toEqual(['responded', 'responded']);
    expect(otherWait.settled).toBe(false);

    // The cap frees as checks end: agent-a may wait again.
    const again = await newPause(world);
    const next = track(checks.check('agent-a', { pause_id: again, wait_seconds: 50 }));
    await settle();
    expect(next.settled).toBe(false);
    checks.stop();
    await Promise.all([otherWait.promise, next.promise]);
  });
});
