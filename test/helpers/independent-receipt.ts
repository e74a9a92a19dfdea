import { createPublicKey, verify } from 'node:crypto';

/**
 * A receipt verifier written apart from the service's (no JOSE library): split the compact JWS,
 * check the header, find the key by kid in the JWKS, verify Ed25519 with node:crypto.
 */
export function verifyIndependently(
  token: string,
  jwks: { keys: ReadonlyArray<object> },
): { ok: true; header: Record<string, unknown>; claims: Record<string, unknown> } | { ok: false; reason: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a compact JWS' };
  const [head = '', body = '', sig = ''] = parts;
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (header.alg !== 'EdDSA') return { ok: false, reason: 'alg' };
  if (header.typ !== 'looppause-receipt+jwt') return { ok: false, reason: 'typ' };
  const jwk = (jwks.keys as ReadonlyArray<Record<string, unknown>>).find((k) => k.kid === header.kid);
  if (!jwk) return { ok: false, reason: 'unknown kid' };
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string }, format: 'jwk' });
  const ok = verify(null, Buffer.from(`${head}.${body}`), key, Buffer.from(sig, 'base64url'));
  return ok ? { ok: true, header, claims } : { ok: false, reason: 'signature' };
}

/** The receipt with one claim changed and the original signature kept. */
export function tamperedClaim(token: string, claim: string, value: unknown): string {
  const [head, body, sig] = token.split('.');
  const claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8'));
  claims[claim] = value;
  return `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
}
