import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/**
 * Offline verification of a LoopPause decision receipt (a compact JWS, EdDSA over Ed25519) against
 * the service's published keys (`GET /.well-known/jwks.json`). Node's own crypto only: this module
 * is what executors import from @looppause/mcp, and what the service and `looppause verify
 * --receipt` check receipts with.
 */

/** The JWS `typ` every receipt carries. */
export const RECEIPT_TYPE = 'looppause-receipt+jwt';

/** A receipt's claims, as signed. */
export interface ReceiptClaims {
  /** The service's public URL. */
  iss: string;
  /** The pause id (`pse_…`). */
  sub: string;
  /** The decision's nonce: what single use (`POST /v1/receipts/redeem`) is counted by. */
  jti: string;
  iat: number;
  exp: number;
  decision: 'approved' | 'rejected';
  action_digest: string;
  agent_id: string;
  approvers: string[];
  /** Approvers who voted as someone's delegate: approver → the away approver they stood in for. */
  on_behalf_of?: Record<string, string>;
  policy_rule?: string;
  policy_digest?: string;
}

/** A public JWK as a JWKS lists it (only Ed25519 `OKP` keys are used). */
export interface ReceiptJwk {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
  alg?: string;
  use?: string;
}

export interface ReceiptJwks {
  keys: readonly ReceiptJwk[];
}

export interface VerifyReceiptOptions {
  /** The pause the receipt must be for (`sub`). */
  pauseId?: string;
  /** The action it must approve or reject (`action_digest`, as the pause's `action_digest`). */
  actionDigest?: string;
  /** The service that must have issued it (`iss`). */
  issuer?: string;
  /** The time to judge `exp` by: a Date or ms since the epoch; now when absent. */
  now?: Date | number;
  /** Seconds of clock skew allowed on `exp` and `iat`; 0 when absent. */
  clockToleranceSeconds?: number;
}

export type ReceiptInvalidReason =
  | 'malformed'
  | 'unsupported'
  | 'unknown_kid'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_pause'
  | 'wrong_action';

export type VerifyReceiptResult =
  | { valid: true; claims: ReceiptClaims; kid: string }
  | { valid: false; reason: ReceiptInvalidReason; message: string };

/** Longest receipt read: a real one is well under 2 KB. */
const MAX_RECEIPT_LENGTH = 16_384;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Checks `receipt` against `jwks` (an object or its JSON text): the header (EdDSA, the receipt
 * `typ`, a `kid` the JWKS lists), the Ed25519 signature, the claims' shape, `exp` (and an `iat`
 * not in the future), and any of `pauseId`, `actionDigest`, `issuer` given. Never throws for a bad
 * receipt: the answer says why it is not valid.
 */
export function verifyReceipt(
  receipt: string,
  jwks: ReceiptJwks | string,
  options: VerifyReceiptOptions = {},
): VerifyReceiptResult {
  const invalid = (reason: ReceiptInvalidReason, message: string): VerifyReceiptResult => ({
    valid: false,
    reason,
    message,
  });
  if (typeof receipt !== 'string' || receipt.length > MAX_RECEIPT_LENGTH) {
    return invalid('malformed', 'not a receipt (expected a compact JWS string)');
  }
  const parts = receipt.trim().split('.');
  if (parts.length !== 3 || parts.some((p) => p === '' || !BASE64URL.test(p))) {
    return invalid('malformed', 'not a compact JWS (three base64url parts separated by dots)');
  }
  // Only the one spelling of each part: spare bits in a last character would let one receipt be written many ways.
  if (parts.some((p) => Buffer.from(p, 'base64url').toString('base64url') !== p)) {
    return invalid('malformed', 'a part is not canonical base64url');
  }
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  const header = decodeJson(encodedHeader);
  if (!isObject(header)) return invalid('malformed', 'the header is not JSON');
  if (header.alg !== 'EdDSA') return invalid('unsupported', `alg ${JSON.stringify(header.alg)} is not EdDSA`);
  if (header.typ !== RECEIPT_TYPE)
    return invalid('unsupported', `typ ${JSON.stringify(header.typ)} is not ${RECEIPT_TYPE}`);
  if (header.crit !== undefined) return invalid('unsupported', 'the header has critical extensions');
  if (typeof header.kid !== 'string' || header.kid === '') return invalid('malformed', 'the header has no kid');
  const kid = header.kid;

  const keys = keysOf(jwks);
  if (keys === undefined) return invalid('malformed', 'the JWKS is not a JSON object with a "keys" array');
  const jwk = keys.find((k) => k.kid === kid && k.kty === 'OKP' && k.crv === 'Ed25519' && typeof k.x === 'string');
  if (!jwk) return invalid('unknown_kid', `no Ed25519 key with kid ${JSON.stringify(kid)} in the JWKS`);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string }, format: 'jwk' });
  } catch {
    return invalid('unknown_kid', `the JWKS key ${JSON.stringify(kid)} is not a readable Ed25519 key`);
  }
  const signature = Buffer.from(encodedSignature, 'base64url');
  const signed = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii');
  if (signature.length !== 64 || !verify(null, signed, publicKey, signature)) {
    return invalid('bad_signature', 'the signature does not verify against the key it names');
  }

  const claims = decodeJson(encodedPayload);
  const shapeError = claimsError(claims);
  if (shapeError !== undefined) return invalid('malformed', `signed, but ${shapeError}`);
  const valid = claims as ReceiptClaims;
  const nowMs = options.now === undefined ? Date.now() : Number(options.now);
  const now = nowMs / 1000;
  const tolerance = options.clockToleranceSeconds ?? 0;
  if (valid.exp + tolerance <= now) {
    return invalid('expired', `expired at ${new Date(valid.exp * 1000).toISOString()}`);
  }
  if (valid.iat - tolerance > now) {
    return invalid('not_yet_valid', `issued in the future (${new Date(valid.iat * 1000).toISOString()})`);
  }
  if (options.issuer !== undefined && valid.iss !== options.issuer) {
    return invalid('wrong_issuer', `issued by ${JSON.stringify(valid.iss)}, not ${JSON.stringify(options.issuer)}`);
  }
  if (options.pauseId !== undefined && valid.sub !== options.pauseId) {
    return invalid('wrong_pause', `for ${valid.sub}, not ${options.pauseId}`);
  }
  if (options.actionDigest !== undefined && valid.action_digest !== options.actionDigest) {
    return invalid('wrong_action', `for action ${valid.action_digest}, not ${options.actionDigest}`);
  }
  return { valid: true, claims: valid, kid };
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function keysOf(jwks: ReceiptJwks | string): readonly ReceiptJwk[] | undefined {
  let value: unknown = jwks;
  if (typeof jwks === 'string') {
    try {
      value = JSON.parse(jwks);
    } catch {
      return undefined;
    }
  }
  if (!isObject(value) || !Array.isArray(value.keys)) return undefined;
  return value.keys.filter(isObject) as unknown as ReceiptJwk[];
}

/** Why `claims` is not a receipt's claims, or undefined when it is. */
function claimsError(claims: unknown): string | undefined {
  if (!isObject(claims)) return 'the payload is not a JSON object';
  for (const name of ['iss', 'sub', 'jti', 'action_digest', 'agent_id'] as const) {
    if (typeof claims[name] !== 'string' || claims[name] === '') return `the claim ${name} is missing`;
  }
  for (const name of ['iat', 'exp'] as const) {
    if (typeof claims[name] !== 'number' || !Number.isFinite(claims[name])) return `the claim ${name} is not a number`;
  }
  if (claims.decision !== 'approved' && claims.decision !== 'rejected')
    return 'the claim decision is not approved or rejected';
  if (!Array.isArray(claims.approvers) || !claims.approvers.every((a) => typeof a === 'string')) {
    return 'the claim approvers is not a list of strings';
  }
  const behalf = claims.on_behalf_of;
  if (behalf !== undefined && (!isObject(behalf) || !Object.values(behalf).every((v) => typeof v === 'string'))) {
    return 'the claim on_behalf_of is not a mapping of approver to approver';
  }
  for (const name of ['policy_rule', 'policy_digest'] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== 'string') return `the claim ${name} is not a string`;
  }
  return undefined;
}
