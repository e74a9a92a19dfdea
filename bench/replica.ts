// Spawns `looppause serve` from the build (production mode) on a free port; benchmarks only.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { newPauseId } from '../src/domain/ids.js';
import type { Pause } from '../src/domain/pause.js';
import { freePort } from '../test/helpers/redis-server.js';
import { TEST_API_KEY, TEST_SIGNING_SECRET } from '../test/helpers/service.js';

const root = new URL('..', import.meta.url).pathname;

export interface Replica {
  url: string;
  child: ChildProcess;
}

export async function spawnReplica(env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'dist/src/cli/looppause.js'), 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOOPPAUSE_SIGNING_SECRET: TEST_SIGNING_SECRET,
      LOOPPAUSE_API_KEYS: `bench:${TEST_API_KEY}`,
      LOOPPAUSE_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('replica did not start');
}

export function stopReplica({ child }: Replica): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A realistic pending pause of the agent `bench`, to write straight into a store. */
export function pendingPause(nowMs: number, expiresInMs: number, slack: boolean): Pause {
  return {
    pause_id: newPauseId(),
    agent_id: 'bench',
    status: 'pending',
    created_at: new Date(nowMs).toISOString(),
    expires_at: new Date(nowMs + expiresInMs).toISOString(),
    request: {
      action_description:
        'Run the database migration 2026_11_25_add_invoice_index on the production cluster (eu-west-1).',
      action_details: { database: 'billing-prod', migration: '2026_11_25_add_invoice_index', estimated_lock: '4 s' },
      ...(slack ? { recipient_slack: '#ops' } : { recipient_email: 'oncall@example.com' }),
      timeout_hours: expiresInMs / 3_600_000,
    },
    action_digest: '0'.repeat(64),
    delivery: {},
  };
}
