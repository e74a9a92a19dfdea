// Receipts: µs per Ed25519 sign (the signer's node:crypto, beside jose's CompactSign with a CryptoKey
// imported once, for comparison) and per verify (node:crypto), and
// create → decide → check throughput with receipts and without, alternating, on the embedded memory
// store and on Redis (a redis-server started here on a free port, killed by pid at the end).
// Talks only to 127.0.0.1 and stops by itself.
import { createPublicKey, verify, webcrypto } from 'node:crypto';
import { CompactSign } from 'jose';
import { verifyDecision } from '../src/domain/signing.js';
import { generateReceiptKey, parseReceiptPrivateKey } from '../src/receipts/keys.js';
import { ReceiptSigner } from '../src/receipts/signer.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { RedisStore } from '../src/store/redis-store.js';
import { ApprovalService } from '../src/use-cases/approval-service.js';
import { randomPrefix, startRedis } from '../test/helpers/redis-server.js';

const SECRET = 'bench-signing-secret-0123456789abcdef-xyz';
const SIGNS = Number(process.env.BENCH_SIGNS ?? 5000);
const FLOW_MS = Number(process.env.BENCH_FLOW_MS ?? 1500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The test helper's redis-server writes its AOF with `appendfsync always`; `everysec` is Redis's own default. */
const REDIS_FSYNC = process.env.BENCH_REDIS_APPENDFSYNC ?? 'always';

const RECEIPT_KEY = generateReceiptKey();
const receipts = new ReceiptSigner({
  privateKey: parseReceiptPrivateKey(RECEIPT_KEY),
  issuer: 'http://localhost:3000',
  ttlSeconds: 3600,
});
const facts = {
  sub: 'pse_bench',
  jti: 'nonce-bench',
  iat: Math.floor(Date.now() / 1000),
  decision: 'approved' as const,
  action_digest: 'a'.repeat(64),
  agent_id: 'bench',
  approvers: ['ada@example.com', 'bob@example.com'],
  policy_rule: 'refunds',
  policy_digest: 'f'.repeat(64),
};

/** jose's CompactSign over the same claims, the key imported into WebCrypto once: what the signer used before. */
async function joseSigning(privateKeyPem: string): Promise<number> {
  const key = await webcrypto.subtle.importKey(
    'pkcs8',
    parseReceiptPrivateKey(privateKeyPem).export({ format: 'der', type: 'pkcs8' }),
    { name: 'Ed25519' },
    false,
    ['sign'],
  );
  const header = { alg: 'EdDSA', kid: receipts.kid, typ: 'looppause-receipt+jwt' };
  const sign = (i: number) =>
    new CompactSign(new TextEncoder().encode(JSON.stringify(receipts.claims({ ...facts, jti: `n${i}` }))))
      .setProtectedHeader(header)
      .sign(key);
  for (let i = 0; i < 500; i++) await sign(i);
  const start = performance.now();
  for (let i = 0; i < SIGNS; i++) await sign(i);
  return ((performance.now() - start) * 1000) / SIGNS;
}

async function signing(): Promise<{ signUs: number; verifyUs: number }> {
  for (let i = 0; i < 500; i++) await receipts.sign(facts);
  const tokens: string[] = [];
  let start = performance.now();
  for (let i = 0; i < SIGNS; i++) tokens.push(await receipts.sign({ ...facts, jti: `n${i}` }));
  const signUs = ((performance.now() - start) * 1000) / SIGNS;
  const jwk = receipts.jwks().keys[0];
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk?.x ?? '' }, format: 'jwk' });
  start = performance.now();
  for (const token of tokens) {
    const [head, body, sig] = token.split('.');
    const header = JSON.parse(Buffer.from(head ?? '', 'base64url').toString('utf8'));
    if (header.kid !== jwk?.kid) throw new Error('kid');
    if (!verify(null, Buffer.from(`${head}.${body}`), key, Buffer.from(sig ?? '', 'base64url'))) throw new Error('bad');
    JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8'));
  }
  const verifyUs = ((performance.now() - start) * 1000) / SIGNS;
  return { signUs, verifyUs };
}

type StoreKind = 'memory' | 'redis';

/** A fresh store of `kind`: a new memory store, or a new key prefix on the bench's Redis. */
async function openStore(kind: StoreKind, redisUrl: string): Promise<MemoryStore | RedisStore> {
  if (kind === 'memory') return new MemoryStore();
  const store = new RedisStore({ url: redisUrl, prefix: randomPrefix() });
  await store.connect();
  return store;
}

/** Sequential create → decide → check for `ms` on a fresh store of `kind`; flows per second. */
async function flows(kind: StoreKind, redisUrl: string, withReceipts: boolean, ms: number): Promise<number> {
  const store = await openStore(kind, redisUrl);
  const service = new ApprovalService({
    store,
    signingSecret: SECRET,
    ...(withReceipts ? { receipts } : {}),
    slackEnabled: false,
    emailFallbackAfterMs: 0,
  });
  const action = { action_description: 'Refund order #1042', action_details: { amount: '120 EUR' } };
  let done = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const { pause_id } = await service.request('bench', { ...action, recipient_email: 'fin@example.com' });
    await service.decide(pause_id, {
      decision: 'approved',
      responder: 'fin@example.com',
      channel: 'email',
      identities: ['fin@example.com'],
    });
    const view = await service.check('bench', { pause_id });
    if (!view.response || (withReceipts && !view.response.receipt)) throw new Error('no signed response');
    if (!verifyDecision(SECRET, view.response).ok) throw new Error('bad HMAC');
    done++;
  }
  await store.close();
  return (done * 1000) / ms;
}

const { signUs, verifyUs } = await signing();
const joseUs = await joseSigning(RECEIPT_KEY);
process.stdout.write(
  `receipt sign:   ${signUs.toFixed(1)} µs (node:crypto, the signer's own, ${SIGNS} receipts)\n` +
    `  jose sign:      ${joseUs.toFixed(1)} µs (CompactSign, Ed25519 CryptoKey imported once: the signer before)\n`,
);
process.stdout.write(`receipt verify: ${verifyUs.toFixed(1)} µs (node:crypto verify, split + header + claims parse)\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
const redis = await startRedis({ extraArgs: ['--appendfsync', REDIS_FSYNC] });
try {
  for (const kind of ['memory', 'redis'] as const) {
    const label = kind === 'memory' ? 'memory store' : `Redis store (AOF, appendfsync ${REDIS_FSYNC})`;
    await flows(kind, redis.url, true, 300);
    await flows(kind, redis.url, false, 300);
    const withR: number[] = [];
    const without: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      withR.push(await flows(kind, redis.url, true, FLOW_MS));
      without.push(await flows(kind, redis.url, false, FLOW_MS));
    }
    process.stdout.write(`${label}:\n`);
    process.stdout.write(
      `  create→decide→check with receipts:    ${median(withR).toFixed(0)} flows/s (runs ${fmt(withR)})\n`,
    );
    process.stdout.write(
      `  create→decide→check without receipts: ${median(without).toFixed(0)} flows/s (runs ${fmt(without)})\n`,
    );
    process.stdout.write(`  cost: ${((1 - median(withR) / median(without)) * 100).toFixed(1)}% of the flow\n`);
  }
} finally {
  await redis.stop();
}
