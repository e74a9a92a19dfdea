import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService } from '../helpers/service.js';

describe('LOOPPAUSE_MAX_WAITING_PER_KEY', () => {
  let running: RunningService;
  beforeAll(async () => {
    running = await startTestService({ LOOPPAUSE_MAX_WAITING_PER_KEY: '2' });
  });
  afterAll(() => running?.close());

  const request = { action_description: 'Ship it', action_details: {}, recipient_email: 'a@example.com' };
  const waitingGauge = async () =>
    (await running.metrics.registry.getSingleMetric('looppause_waiting_checks')?.get())?.values[0]?.value;

  it('holds up to the cap per key; past it a check answers at once with the current status', async () => {
    const { pause_id } = await running.service.request('agent-a', request);
    const settled: string[] = [];
    const held = [1, 2].map((i) =>
      running.service.check('agent-a', { pause_id, wait_seconds: 30 }).then((view) => {
        settled.push(`held ${i}`);
        return view;
      }),
    );
    await eventually(async () => ((await waitingGauge()) === 2 ? true : undefined));

    const third = await running.service.check('agent-a', { pause_id, wait_seconds: 30 });
    expect(third.status).toBe('pending');
    expect(settled).toEqual([]);

    // The cap is per key: another agent still waits.
    const other = await running.service.request('agent-b', request);
    const otherWait = running.service.check('agent-b', { pause_id: other.pause_id, wait_seconds: 30 });
    await eventually(async () => ((await waitingGauge()) === 3 ? true : undefined));

    await running.service.decide(pause_id, {
      decision: 'approved',
      responder: 'a@example.com',
      channel: 'email',
      identities: ['a@example.com'],
    });
    for (const view of await Promise.all(held)) expect(view.status).toBe('responded');
    await running.service.cancel('agent-b', { pause_id: other.pause_id });
    expect((await otherWait).status).toBe('expired');

    // Slots are given back: the key may wait again.
    const next = await running.service.request('agent-a', request);
    const again = running.service.check('agent-a', { pause_id: next.pause_id, wait_seconds: 30 });
    await eventually(async () => ((await waitingGauge()) === 1 ? true : undefined));
    await running.service.cancel('agent-a', { pause_id: next.pause_id });
    expect((await again).status).toBe('expired');
  });
});
