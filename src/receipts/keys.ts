import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** An Ed25519 public key as the JWKS publishes it: never a private part. */
export interface ReceiptPublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/** Why key material was refused; the caller names the variable it came from. */
export class ReceiptKeyError extends Error {}

/**
 * The receipt signing key: an Ed25519 private JWK (JSON with `d`) or a PKCS#8 PEM.
 * Anything else, another curve or a public key throws ReceiptKeyError.
 */
export function parseReceiptPrivateKey(text: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    if (trimmed.startsWith('{')) {
      const jwk = parseJson(trimmed, 'not JSON: expected an Ed25519 private JWK or a PKCS#8 PEM');
      if (jwk === null || typeof jwk !== 'object') throw new ReceiptKeyError('expected an Ed25519 private JWK object');
      if (typeof (jwk as { d?: unknown }).d !== 'string') throw new ReceiptKeyError('the JWK has no private part "d"');
      key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    } else if (trimmed.startsWith('-----BEGIN PRIVATE KEY-----')) {
      key = createPrivateKey({ key: trimmed.replace(/\\n/g, '\n'), format: 'pem' });
    } else {
      throw new ReceiptKeyError('expected an Ed25519 private JWK (JSON) or a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)');
    }
  } catch (error) {
    if (error instanceof ReceiptKeyError) throw error;
    throw new ReceiptKeyError(`not a readable private key (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ReceiptKeyError(`the key is ${key.asymmetricKeyType ?? 'unknown'}, not Ed25519`);
  }
  return key;
}

/** Public keys still accepted after a rotation: a JSON array of public JWKs, or a JWKS `{"keys": [...]}`. */
export function parseReceiptPreviousKeys(text: string): ReceiptPublicJwk[] {
  const parsed = parseJson(text, 'not JSON: expected an array of public JWKs or a JWKS {"keys": [...]}');
  const list =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as { keys?: unknown }).keys
      : parsed;
  if (!Array.isArray(list)) throw new ReceiptKeyError('expected an array of public JWKs or a JWKS {"keys": [...]}');
  return list.map((entry, index) => {
    if (entry === null || typeof entry !== 'object') throw new ReceiptKeyError(`key ${index} is not a JWK object`);
    const jwk = entry as Record<string, unknown>;
    if (jwk.d !== undefined) throw new ReceiptKeyError(`key ${index} has a private part "d": list public keys only`);
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
      throw new ReceiptKeyError(`key ${index} is not an Ed25519 public JWK (kty "OKP", crv "Ed25519", x)`);
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } as never, format: 'jwk' });
    } catch (error) {
      throw new ReceiptKeyError(`key ${index} is not a readable public key (${(error as Error).message})`);
    }
    const published = publicJwkOf(key);
    if (typeof jwk.kid === 'string' && jwk.kid !== '') published.kid = jwk.kid;
    return published;
  });
}

/** JSON.parse without its message, which quotes the text (key material). */
function parseJson(text: string, refusal: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ReceiptKeyError(refusal);
  }
}

/** The public half as a JWK, `kid` its RFC 7638 thumbprint. */
export function publicJwkOf(key: KeyObject): ReceiptPublicJwk {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const { x } = publicKey.export({ format: 'jwk' }) as { x: string };
  const thumbprint = createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }))
    .digest('base64url');
  return { kty: 'OKP', crv: 'Ed25519', x, kid: thumbprint, alg: 'EdDSA', use: 'sig' };
}

/** A new Ed25519 private key as a JWK string (development keeps one in `.looppause/dev.json`). */
export function generateReceiptKey(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return JSON.stringify(privateKey.export({ format: 'jwk' }));
}
