import type { Config } from '../config.js';
import { verifyDecision } from '../domain/signing.js';

/** `looppause verify`: a check_approval result (or its `response`) on stdin → exit 0 valid, 1 not. */
export async function verifyCommand(config: Config): Promise<number> {
  if (!config.signingSecret) {
    process.stderr.write('looppause verify: LOOPPAUSE_SIGNING_SECRET is required\n');
    return 2;
  }
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
  const result = verifyDecision(config.signingSecret, response);
  if (!result.ok) {
    process.stdout.write(`invalid: ${result.reason}\n`);
    return 1;
  }
  const r = response as { decision?: string; responder?: string; pause_id?: string };
  process.stdout.write(`valid: ${r.decision} by ${r.responder} for ${r.pause_id}\n`);
  return 0;
}
