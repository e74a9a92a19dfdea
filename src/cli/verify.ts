import type { Config } from '../config.js';
import { verifyDecision } from '../domain/signing.js';
import { devStateFile, readDevState } from '../lib/dev-state.js';

/**
 * The secret the service signs with: LOOPPAUSE_SIGNING_SECRET, or, where the service falls back to
 * it (not in production, not with Redis), the development secret `npm start` keeps in dev.json.
 */
function signingSecret(config: Config): { secret: string; from?: string } | { error: string } {
  if (config.signingSecret) return { secret: config.signingSecret };
  if (config.env === 'production') return { error: 'LOOPPAUSE_SIGNING_SECRET is required when NODE_ENV=production' };
  if (config.redis) {
    return {
      error: 'LOOPPAUSE_SIGNING_SECRET is required with REDIS_URL (the service signs with it, not with dev.json)',
    };
  }
  const file = devStateFile(config.devStateDir);
  const dev = readDevState(config.devStateDir);
  if (dev) return { secret: dev.signingSecret, from: file };
  return {
    error: `LOOPPAUSE_SIGNING_SECRET is required: it is unset and there is no development secret in ${file} (npm start makes one; LOOPPAUSE_DEV_STATE_DIR moves it)`,
  };
}

/** `looppause verify`: a check_approval result (or its `response`) on stdin → exit 0 valid, 1 not. */
export async function verifyCommand(config: Config): Promise<number> {
  const found = signingSecret(config);
  if ('error' in found) {
    process.stderr.write(`looppause verify: ${found.error}\n`);
    return 2;
  }
  if (found.from) process.stderr.write(`looppause verify: with the development signing secret in ${found.from}\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  let input: unknown;
  try {
    input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    process.stdout.write('invalid: stdin is not JSON\n');
    return 1;
  }
  const record = input as { response?: unknown; signature?: unknown } | null;
  const response = record && typeof record === 'object' && 'response' in record ? record.response : input;
  if (!response) {
    process.stdout.write('invalid: no response in the input (is the pause still pending?)\n');
    return 1;
  }
  const result = verifyDecision(found.secret, response);
  if (!result.ok) {
    process.stdout.write(`invalid: ${result.reason}\n`);
    return 1;
  }
  const r = response as { decision?: string; responder?: string; pause_id?: string };
  process.stdout.write(`valid: ${r.decision} by ${r.responder} for ${r.pause_id}\n`);
  return 0;
}
