import { readFileSync } from 'node:fs';
import { verifyReceipt } from '../receipts/verify-receipt.js';
import { flagValue } from './flags.js';

const USAGE = 'usage: looppause verify --receipt RECEIPT|- --jwks URL|FILE [--pause-id PSE] [--action-digest DIGEST]';

/** How long fetching the JWKS may take. */
const JWKS_TIMEOUT_MS = 10_000;

/**
 * `looppause verify --receipt`: checks a decision receipt offline against the service's public keys
 * (its JWKS, from a URL or a file); no secret, no config. Exit 0 valid, 1 invalid (saying why), 2
 * when the arguments or the JWKS cannot be used.
 */
export async function verifyReceiptCommand(args: readonly string[]): Promise<number> {
  const given = flagValue(args, '--receipt');
  const jwksSource = flagValue(args, '--jwks');
  if (given === undefined || given === '' || jwksSource === undefined || jwksSource === '') {
    process.stderr.write(`looppause verify: --receipt and --jwks are both needed\n${USAGE}\n`);
    return 2;
  }
  const receipt = given === '-' ? (await readStdin()).trim() : given.trim();
  let jwks: string;
  try {
    jwks = await readJwks(jwksSource);
  } catch (error) {
    process.stderr.write(`looppause verify: cannot read the JWKS ${jwksSource}: ${(error as Error).message}\n`);
    return 2;
  }
  const pauseId = flagValue(args, '--pause-id');
  const actionDigest = flagValue(args, '--action-digest');
  const result = verifyReceipt(receipt, jwks, {
    ...(pauseId === undefined ? {} : { pauseId }),
    ...(actionDigest === undefined ? {} : { actionDigest }),
  });
  if (!result.valid) {
    process.stdout.write(`invalid: ${result.reason.replace(/_/g, ' ')}: ${result.message}\n`);
    return 1;
  }
  const { claims } = result;
  process.stdout.write(
    `valid: ${claims.decision} by ${claims.approvers.join(', ')} for ${claims.sub} ` +
      `(action ${claims.action_digest}, issued by ${claims.iss}, expires ${new Date(claims.exp * 1000).toISOString()})\n`,
  );
  return 0;
}

async function readJwks(source: string): Promise<string> {
  if (!/^https?:\/\//i.test(source)) return readFileSync(source, 'utf8');
  const response = await fetch(source, {
    signal: AbortSignal.timeout(JWKS_TIMEOUT_MS),
    headers: { accept: 'application/json' },
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return await response.text();
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
