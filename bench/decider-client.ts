// Drives bench/decider.ts in its own process, so decisions come from another Redis client and
// another event loop, as a human's click on another replica would.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TEST_SIGNING_SECRET } from '../test/helpers/service.js';

export interface Decider {
  /** Resolves with the wall-clock time (ms, fractional) just before the decision was made. */
  decide(pauseId: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startDecider(redisUrl: string, prefix: string): Promise<Decider> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./decider.ts', import.meta.url).pathname, redisUrl, prefix, TEST_SIGNING_SECRET],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const pending = new Map<string, (decidedAt: number) => void>();
  let ready: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready') return ready();
    const [pauseId, decidedAt] = line.split(' ');
    pending.get(pauseId ?? '')?.(Number(decidedAt));
    pending.delete(pauseId ?? '');
  });
  await started;
  return {
    decide: (pauseId) =>
      new Promise((resolve) => {
        pending.set(pauseId, resolve);
        child.stdin.write(`${pauseId}\n`);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end('quit\n');
      }),
  };
}
