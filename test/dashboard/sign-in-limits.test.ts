import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';
import { DashboardClient } from './helpers.js';

const BOSS = 'boss@example.com';

/** Sign-in link limits: someone asking for your address spends their budget, not yours. */
describe('dashboard sign-in link limits', () => {
  let smtp: TestSmtp;
  let running: RunningService;
  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService({ SMTP_URL: smtp.url, LOOPPAUSE_DASHBOARD_ADMINS: BOSS });
  });
  afterAll(async () => {
    await running?.close();
    await smtp?.stop();
  });

  const mailsTo = (email: string) =>
    smtp.mails.filter((m) => m.subject === 'Your LoopPause sign-in link' && JSON.stringify(m.to ?? '').includes(email));

  it('an asker from elsewhere gets 5 links for an address, then none; the owner still gets theirs', async () => {
    const attacker = new DashboardClient(running);
    const page = await (await attacker.get('/dashboard/signin')).text();
    for (let i = 0; i < 7; i++) {
      const res = await attacker.post(
        '/dashboard/signin',
        { csrf: DashboardClient.field(page, 'csrf'), email: BOSS },
        { 'x-forwarded-for': '203.0.113.9' },
      );
      expect(res.status).toBe(200);
    }
    await eventually(() => (mailsTo(BOSS).length === 5 ? true : undefined), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mailsTo(BOSS)).toHaveLength(5);

    const boss = new DashboardClient(running);
    const own = await (await boss.get('/dashboard/signin')).text();
    await boss.post(
      '/dashboard/signin',
      { csrf: DashboardClient.field(own, 'csrf'), email: BOSS },
      { 'x-forwarded-for': '198.51.100.7' },
    );
    await eventually(() => (mailsTo(BOSS).length === 6 ? true : undefined), 10_000);
  });
});
