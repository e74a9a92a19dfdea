import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './redis-server.js';
import { TEST_API_KEY, TEST_SIGNING_SECRET } from './service.js';

export interface ReplicaProcess {
  url: string;
  child: ChildProcess;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const CLI = new URL('../../src/cli/looppause.ts', import.meta.url).pathname;

/** The real service as its own process (`looppause serve`), as a replica behind a load balancer. */
export async function spawnReplica(env: Record<string, string>): Promise<ReplicaProcess> {
  // A caller that must know the address before the service starts (a redirect URI) passes PORT.
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOOPPAUSE_SIGNING_SECRET: TEST_SIGNING_SECRET,
      LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY}`,
      LOOPPAUSE_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`replica exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error('replica did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  const signal = (name: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(name);
    });
  return { url, child, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
