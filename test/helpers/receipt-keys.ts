import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/** An Ed25519 key pair for tests, its public half as a JWK with an RFC 7638 thumbprint kid. */
export function testReceiptKey(): {
  privateKey: KeyObject;
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg: 'EdDSA'; use: 'sig' };
} {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { x } = publicKey.export({ format: 'jwk' }) as { x: string };
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }))
    .digest('base64url');
  return { privateKey, jwk: { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' } };
}

/** A compact JWS over `claims`, signed by `privateKey` with node:crypto (no JOSE library). */
export function signTestReceipt(
  privateKey: KeyObject,
  claims: Record<string, unknown>,
  header: Record<string, unknown>,
): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'EdDSA', typ: 'looppause-receipt+jwt', ...header })}.${encode(claims)}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}

/** Claims like a real receipt's, for `pauseId`, valid from now for `ttlSeconds`. */
export function testClaims(pauseId = 'pse_test', ttlSeconds = 600, nowMs = Date.now()) {
  const iat = Math.floor(nowMs / 1000);
  return {
    iss: 'https://looppause.example',
    sub: pauseId,
    jti: `nonce-${Math.random().toString(36).slice(2)}`,
    iat,
    exp: iat + ttlSeconds,
    decision: 'approved' as const,
    action_digest: `sha256:${'a'.repeat(64)}`,
    agent_id: 'agent-1',
    approvers: ['alice@example.com'],
    policy_rule: 'refunds',
  };
}
