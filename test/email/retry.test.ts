import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pause } from '../../src/domain/pause.js';
import type { RunningService } from '../../src/main.js';
import { createPause } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService } from '../helpers/service.js';
import { settled } from '../helpers/settled.js';
import { TestSmtp } from '../helpers/smtp.js';

const emailState = (running: RunningService, pauseId: string, state: string) =>
  eventually(async () => {
    const pause = await running.store.getPause(pauseId);
    return pause?.delivery.email?.state === state ? (pause as Pause) : undefined;
  }, 20_000);

describe('SMTP down, then up', () => {
  let redis: TestRedis;
  const services: RunningService[] = [];
  const smtps: TestSmtp[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const s of services) await s.close();
    for (const s of smtps) await s.stop();
    await redis?.stop();
  });

  it('retries with backoff, shows the failure on the pause meanwhile, and delivers exactly once', async () => {
    const smtp = await new TestSmtp().reserve();
    smtps.push(smtp);
    const running = await startTestService({ SMTP_URL: smtp.url });
    services.push(running);
    const pauseId = await createPause(running);

    const failing = await emailState(running, pauseId, 'retrying');
    expect(failing.status).toBe('pending');
    expect(failing.delivery.email?.error).toMatch(/ECONNREFUSED|connect/i);

    await smtp.start();
    await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId), timeoutMs: 20_000 });
    const sent = await emailState(running, pauseId, 'sent');
    expect(sent.delivery.email?.attempts).toBeGreaterThanOrEqual(2);
    expect(sent.status).toBe('pending');
    // Nothing is left that could send it again (no job due, running or retrying).
    await settled(running);
    expect(smtp.mailsFor(pauseId)).toHaveLength(1);
  });

  it('a restart while SMTP is down drops nothing (Redis store): the next process delivers it once', async () => {
    const smtp = await new TestSmtp().reserve();
    smtps.push(smtp);
    const env = { SMTP_URL: smtp.url, REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() };
    const first = await startTestService(env);
    const pauseId = await createPause(first);
    await emailState(first, pauseId, 'retrying');
    await first.close();

    await smtp.start();
    const second = await startTestService(env);
    services.push(second);
    await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId), timeoutMs: 20_000 });
    await emailState(second, pauseId, 'sent');
    await settled(second);
    expect(smtp.mailsFor(pauseId)).toHaveLength(1);
  });
});
