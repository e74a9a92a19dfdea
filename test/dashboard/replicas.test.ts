import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';
import { DashboardClient } from './helpers.js';

describe('dashboard sessions across two replicas on one Redis', () => {
  let redis: TestRedis;
  let smtp: TestSmtp;
  let a: RunningService;
  let b: RunningService;

  beforeAll(async () => {
    [redis, smtp] = await Promise.all([startRedis(), new TestSmtp().start()]);
    const env = {
      REDIS_URL: redis.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      SMTP_URL: smtp.url,
      LOOPPAUSE_DASHBOARD_USERS: 'ada@example.com',
    };
    a = await startTestService(env);
    b = await startTestService(env);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await smtp?.stop();
    await redis?.stop();
  });

  it('a link asked for on one replica signs in on the other, once; the session works on both and sign-out on one ends it on both', async () => {
    const onA = new DashboardClient(a);
    const link = await onA.requestLink('ada@example.com', smtp);
    const onB = new DashboardClient(b);
    const path = new URL(link).pathname;
    const formKey = DashboardClient.field(await (await onB.get(path)).text(), 'form_key');
    // Both replicas race for the same link: exactly one signs in.
    const fromA = new DashboardClient(a);
    const [x, y] = await Promise.all([onB.post(path, { form_key: formKey }), fromA.post(path, { form_key: formKey })]);
    expect([x.status, y.status].sort()).toEqual([303, 410]);
    const signedIn = x.status === 303 ? onB : fromA;
    const there = new DashboardClient(signedIn === onB ? a : b);
    there.cookies = new Map(signedIn.cookies);
    expect((await there.get('/dashboard/waiting')).status).toBe(200);
    expect((await signedIn.post('/dashboard/signout', { csrf: await signedIn.csrf() })).status).toBe(303);
    expect((await there.get('/dashboard/waiting')).status).toBe(303);
  });
});
