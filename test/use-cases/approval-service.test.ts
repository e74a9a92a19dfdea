import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import { JobKind } from '../../src/jobs/job-kinds.js';
import { Metrics } from '../../src/metrics.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { ApprovalService, type ApprovalServiceOptions } from '../../src/use-cases/approval-service.js';
import {
  ACTION,
  decision,
  expectLoopPauseError,
  FALLBACK_MS,
  jobKindsDue,
  metricValue,
  requestArgs,
  T0,
  track,
  UNIT_SIGNING_SECRET,
} from '../helpers/use-cases.js';

/** The facade as main builds it, on fake timers: each call reaches its use case with the shared store and clock. */
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function service(over: Partial<ApprovalServiceOptions> = {}) {
  const store = new MemoryStore();
  const metrics = new Metrics({ defaultMetrics: false });
  const svc = new ApprovalService({
    store,
    signingSecret: UNIT_SIGNING_SECRET,
    slackEnabled: true,
    emailFallbackAfterMs: FALLBACK_MS,
    now: () => Date.now(),
    metrics,
    ...over,
  });
  return { svc, store, metrics };
}

describe('ApprovalService', () => {
  it('request → waiting check → decide → the check wakes with a verifiable decision', async () => {
    const { svc, metrics } = service();
    const { pause_id } = await svc.request('agent-a', requestArgs({ recipient_email: 'ops@example.com' }));
    const waiting = track(svc.check('agent-a', { pause_id, wait_seconds: 50 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(waiting.settled).toBe(false);
    expect(await metricValue(metrics.waitingChecks)).toBe(1);

    const outcome = await svc.decide(pause_id, decision('ada@example.com'));
    expect(outcome.outcome).toBe('decided');
    const view = await waiting.promise;
    expect(view.status).toBe('responded');
    expect(verifyDecision(UNIT_SIGNING_SECRET, view.response, { pause_id, action: ACTION })).toEqual({ ok: true });
    expect(await metricValue(metrics.pausesCreated)).toBe(1);
    expect(await metricValue(metrics.pausesEnded, { outcome: 'approved' })).toBe(1);
  });

  it('requestWithOutcome tells a new pause from an idempotent repeat', async () => {
    const { svc } = service();
    const args = requestArgs({ recipient_email: 'ops@example.com', idempotency_key: 'k-1' });
    const first = await svc.requestWithOutcome('agent-a', args);
    const again = await svc.requestWithOutcome('agent-a', args);
    expect([first.created, again.created]).toEqual([true, false]);
    expect(again.result.pause_id).toBe(first.result.pause_id);
  });

  it('passes its recipient rules and Slack setting to request', async () => {
    const { svc } = service({ slackEnabled: false, allowedEmailDomains: ['example.com'] });
    await expectLoopPauseError(
      svc.request('agent-a', requestArgs({ recipient_slack: '#ops' })),
      'invalid_argument',
      'recipient_slack',
    );
    await expectLoopPauseError(
      svc.request('agent-a', requestArgs({ recipient_email: 'a@elsewhere.test' })),
      'invalid_argument',
      'recipient_email',
    );
  });

  it('plans deliveries with its fallback delay', async () => {
    const { svc, store } = service({ emailFallbackAfterMs: 60_000 });
    const { pause_id } = await svc.request(
      'agent-a',
      requestArgs({ recipient_slack: '#ops', recipient_email: 'ops@example.com' }),
    );
    expect(await jobKindsDue(store, T0, pause_id)).toEqual([JobKind.slackPost]);
    expect(await jobKindsDue(store, T0 + 60_000, pause_id)).toEqual([JobKind.emailFallback]);
  });

  it('holds at most maxWaitingPerKey checks per agent', async () => {
    const { svc } = service({ maxWaitingPerKey: 1 });
    const { pause_id } = await svc.request('agent-a', requestArgs({ recipient_email: 'ops@example.com' }));
    const held = track(svc.check('agent-a', { pause_id, wait_seconds: 50 }));
    await vi.advanceTimersByTimeAsync(0);
    expect((await svc.check('agent-a', { pause_id, wait_seconds: 50 })).status).toBe('pending');
    expect(held.settled).toBe(false);
    svc.stopWaiting();
    expect((await held.promise).status).toBe('pending');
  });

  it('get() reads any pause as of now; list() and cancel() are per agent', async () => {
    const { svc } = service();
    const { pause_id } = await svc.request(
      'agent-a',
      requestArgs({ recipient_email: 'ops@example.com', timeout_hours: 1 }),
    );
    expect((await svc.list('agent-b', { limit: 10 })).items).toEqual([]);
    expect((await svc.list('agent-a', { limit: 10 })).items.map((p) => p.pause_id)).toEqual([pause_id]);
    await expectLoopPauseError(svc.cancel('agent-b', { pause_id }), 'not_found');
    vi.setSystemTime(T0 + 3_600_000);
    expect((await svc.get(pause_id))?.status).toBe('timed_out');
    expect((await svc.cancel('agent-a', { pause_id })).cancelled).toBe(false);
  });
});
