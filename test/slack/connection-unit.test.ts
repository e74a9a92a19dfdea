import { WebAPIPlatformError, type WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SlackConnection, type SlackSocket } from '../../src/slack/connection.js';

const OK = { ok: true, user: 'looppause', team: 'Acme', user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0ACME' };
const invalidAuth = () => new WebAPIPlatformError({ ok: false, error: 'invalid_auth' } as never);

/** auth.test answering from a script: each call takes the next answer (the last one repeats). */
function authTest(...answers: Array<'ok' | Error>) {
  const calls: number[] = [];
  const client = {
    auth: {
      test: async () => {
        calls.push(Date.now());
        const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
        if (answer instanceof Error) throw answer;
        return OK;
      },
    },
  } as unknown as WebClient;
  return { client, calls };
}

/** A Socket Mode link whose start() answers from a script, and whose drop the test triggers. */
function socketScript(...answers: Array<'ok' | Error>) {
  let dropped: () => void = () => {};
  const socket = {
    starts: 0,
    stops: 0,
    start: async () => {
      socket.starts += 1;
      const answer = answers[Math.min(socket.starts - 1, answers.length - 1)];
      if (answer instanceof Error) throw answer;
    },
    stop: async () => {
      socket.stops += 1;
    },
    onDisconnected: (listener: () => void) => {
      dropped = listener;
    },
    drop: () => dropped(),
  };
  return socket satisfies SlackSocket & { drop(): void };
}

describe('SlackConnection: reaching Slack in the background', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const logger = pino({ level: 'silent' });
  const retry = { minMs: 1000, maxMs: 8000 };

  it('backs off 1 s, 2 s, 4 s, then never more than the cap; connects once Slack accepts', async () => {
    const slack = authTest(
      invalidAuth(),
      invalidAuth(),
      invalidAuth(),
      invalidAuth(),
      invalidAuth(),
      invalidAuth(),
      'ok',
    );
    const connection = new SlackConnection({ client: slack.client, logger, retry });
    await connection.start();
    expect(connection.status()).toMatchObject({
      state: 'failing',
      error: 'SLACK_BOT_TOKEN is not valid (invalid_auth)',
    });
    for (let i = 0; i < 6; i++) await vi.runOnlyPendingTimersAsync();
    expect(connection.status()).toMatchObject({ state: 'connected', user: 'looppause', team: 'Acme' });
    const gaps = slack.calls.slice(1).map((at, i) => at - (slack.calls[i] as number));
    // ± 20 % jitter around 1, 2, 4, 8, 8, 8 s: doubling, and bounded by maxMs.
    const expected = [1000, 2000, 4000, 8000, 8000, 8000];
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual((expected[i] as number) * 0.8);
      expect(gap).toBeLessThanOrEqual(Math.min(8000, (expected[i] as number) * 1.2));
    });
    expect(connection.botIds()).toEqual({ botUserId: 'U0BOT', botId: 'B0BOT', teamId: 'T0ACME' });
    await connection.close();
  });

  it('stops trying at close', async () => {
    const slack = authTest(invalidAuth());
    const connection = new SlackConnection({ client: slack.client, logger, retry });
    await connection.start();
    await vi.runOnlyPendingTimersAsync();
    expect(slack.calls).toHaveLength(2);
    await connection.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(slack.calls).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('Socket Mode: a refused app token is retried without asking auth.test again; a dropped connection is reopened at once', async () => {
    const slack = authTest('ok');
    const socket = socketScript(new WebAPIPlatformError({ ok: false, error: 'invalid_auth' } as never), 'ok');
    const connection = new SlackConnection({ client: slack.client, logger, retry, socket });
    await connection.start();
    expect(connection.status()).toMatchObject({
      state: 'failing',
      error: 'SLACK_APP_TOKEN is not valid (invalid_auth)',
    });
    await vi.runOnlyPendingTimersAsync();
    expect(connection.status()).toMatchObject({ state: 'connected' });
    expect(slack.calls).toHaveLength(1);

    socket.drop();
    expect(connection.status()).toMatchObject({
      state: 'failing',
      error: 'the Socket Mode connection to Slack closed',
    });
    await vi.waitFor(() => expect(connection.status()).toMatchObject({ state: 'connected' }));
    expect(socket.starts).toBe(3);
    await connection.close();
    expect(socket.stops).toBe(1);
  });
});
