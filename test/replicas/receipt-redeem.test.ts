import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { approvedReceipt, redeem } from '../helpers/receipt-flow.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService } from '../helpers/service.js';

describe('two replicas on one Redis redeem a receipt once', () => {
  let redis: TestRedis;
  let a: RunningService;
  let b: RunningService;

  beforeAll(async () => {
    redis = await startRedis();
    // Both replicas are one service: one public URL (the receipts' issuer), one key, one prefix.
    const env = { REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix(), PUBLIC_URL: 'https://looppause.test' };
    a = await startTestService(env);
    b = await startTestService(env);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  it('racing on one receipt, exactly one replica answers 200 and the rest 409', async () => {
    for (let round = 0; round < 5; round++) {
      const { receipt } = await approvedReceipt(round % 2 ? a : b);
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => redeem(i % 2 ? a : b, { receipt })));
      expect(answers.map((x) => x.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    }
  });
});
