import { Agent, request } from 'node:http';

/** Closed-loop load: `concurrency` keep-alive connections each sending the next request as soon as one answers. */
export async function closedLoop(options: {
  url: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  seconds: number;
  /** The status a request answers when it succeeded (default 200). */
  expectStatus?: number;
}): Promise<{ requests: number; perSecond: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const target = new URL(options.url);
  const deadline = performance.now() + options.seconds * 1000;
  let requests = 0;
  let errors = 0;
  const once = () =>
    new Promise<void>((resolve) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: options.headers,
        },
        (res) => {
          if (res.statusCode !== (options.expectStatus ?? 200)) errors++;
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(options.body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        await once();
        requests++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return { requests, perSecond: requests / elapsed, errors };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}
