import { describe, expect, it } from 'vitest';
import { deliveryJobId, reportedEventJobId } from '../../src/jobs/job-kinds.js';
import { decodeJob, encodeJob } from '../../src/store/job-codec.js';
import type { NewJob } from '../../src/store/ports/jobs.js';

const ENDPOINT = 'ep_0123456789abcdef';

describe('job bodies in Redis', () => {
  it('read back as they were queued, every kind', () => {
    const jobs: NewJob[] = [
      { id: 'slack.post:p1', kind: 'slack.post', data: { pause_id: 'p1' }, run_at: 0 },
      { id: 'ended:p1', kind: 'pause.ended', data: { pause_id: 'p1' }, run_at: 0 },
      { id: 'email.escalate:2:p1', kind: 'email.escalate', data: { pause_id: 'p1', step: 2 }, run_at: 0 },
      {
        id: 'email.delegate:0123456789abcdef:p1',
        kind: 'email.delegate',
        data: { pause_id: 'p1', delegate: 'dee@example.com' },
        run_at: 0,
      },
      {
        id: reportedEventJobId('pause.reminded', 'p1', { step: 3 }),
        kind: 'webhook.event',
        data: { pause_id: 'p1', type: 'pause.reminded', detail: { step: 3 } },
        run_at: 0,
      },
      {
        id: reportedEventJobId('pause.delivered', 'p1', { channel: 'slack' }),
        kind: 'webhook.event',
        data: { pause_id: 'p1', type: 'pause.delivered', detail: { channel: 'slack' } },
        run_at: 0,
      },
      {
        id: deliveryJobId(ENDPOINT, 'p1.created'),
        kind: 'webhook.deliver',
        data: { pause_id: 'p1', endpoint_id: ENDPOINT, event_id: 'p1.created' },
        run_at: 0,
      },
    ];
    for (const job of jobs) {
      expect(decodeJob(job.id, encodeJob(job))).toEqual({ kind: job.kind, data: job.data });
    }
  });

  it('keep the previous version’s layout, so a replica still running it reads them', () => {
    expect(encodeJob({ kind: 'slack.remind', data: { pause_id: 'p1', step: 1 } })).toBe(
      '{"kind":"slack.remind","pause_id":"p1","step":1}',
    );
    expect(encodeJob({ kind: 'pause.voted', data: { pause_id: 'p1' } })).toBe('{"kind":"pause.voted","pause_id":"p1"}');
  });

  it('the previous version’s webhook jobs (no data beyond the pause id) read their data from the id, once, here', () => {
    const oldDelivery = '{"kind":"webhook.deliver","pause_id":"p1"}';
    expect(decodeJob(deliveryJobId(ENDPOINT, 'p1.reminded.2'), oldDelivery)).toEqual({
      kind: 'webhook.deliver',
      data: { pause_id: 'p1', endpoint_id: ENDPOINT, event_id: 'p1.reminded.2' },
    });
    expect(decodeJob('webhook.deliver:', oldDelivery)).toBeUndefined();
    expect(decodeJob(`slack.post:${ENDPOINT}:e`, oldDelivery)).toBeUndefined();

    const oldEvent = '{"kind":"webhook.event","pause_id":"p1"}';
    expect(decodeJob('webhook.event:pause.delivered:p1:email', oldEvent)).toEqual({
      kind: 'webhook.event',
      data: { pause_id: 'p1', type: 'pause.delivered', detail: { channel: 'email' } },
    });
    expect(decodeJob('webhook.event:pause.reminded:p1:2', oldEvent)).toEqual({
      kind: 'webhook.event',
      data: { pause_id: 'p1', type: 'pause.reminded', detail: { step: 2 } },
    });
    expect(decodeJob('webhook.event:pause.escalated:p1:0', oldEvent)?.data).toMatchObject({ detail: { step: 0 } });
    // Ids no version wrote: dropped.
    expect(decodeJob('webhook.event:pause.delivered:p1:fax', oldEvent)).toBeUndefined();
    expect(decodeJob('webhook.event:pause.created:p1:0', oldEvent)).toBeUndefined();
    expect(decodeJob('webhook.event:pause.reminded:p1:two', oldEvent)).toBeUndefined();
    expect(decodeJob('webhook.event:pause.reminded:p1:2:x', oldEvent)).toBeUndefined();
  });

  it('the previous version’s pause and step jobs read as they are', () => {
    expect(decodeJob('slack.remind:1:p1', '{"kind":"slack.remind","pause_id":"p1","step":1}')).toEqual({
      kind: 'slack.remind',
      data: { pause_id: 'p1', step: 1 },
    });
    expect(decodeJob('ended:p1', '{"kind":"pause.ended","pause_id":"p1"}')).toEqual({
      kind: 'pause.ended',
      data: { pause_id: 'p1' },
    });
  });

  it('drops bodies no version wrote, and hands a newer version’s kind over as it is', () => {
    for (const junk of ['{not json', 'null', '[]', '{"kind":"slack.post"}', '{"pause_id":"p1"}']) {
      expect(decodeJob('x', junk)).toBeUndefined();
    }
    expect(decodeJob('slack.remind:p1', '{"kind":"slack.remind","pause_id":"p1"}')).toBeUndefined();
    expect(
      decodeJob('x', '{"kind":"webhook.event","pause_id":"p1","type":"pause.delivered","detail":{}}'),
    ).toBeUndefined();
    expect(decodeJob('x', '{"kind":"teams.post","pause_id":"p1","team":"T1"}')).toEqual({
      kind: 'teams.post',
      data: { pause_id: 'p1', team: 'T1' },
    });
  });
});
