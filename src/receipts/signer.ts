import { type KeyObject, sign } from 'node:crypto';
import type { Decision } from '../domain/vocabulary.js';
import { publicJwkOf, type ReceiptPublicJwk } from './keys.js';

export const RECEIPT_TYP = 'looppause-receipt+jwt';

/** The claims of a receipt (docs/api.md, "Receipts"). */
export interface ReceiptClaims {
  iss: string;
  sub: string;
  jti: string;
  iat: number;
  exp: number;
  decision: Decision;
  action_digest: string;
  agent_id: string;
  approvers: string[];
  /** Approvers who voted as someone's delegate: approver → the away approver they stood in for. */
  on_behalf_of?: Record<string, string>;
  policy_rule?: string;
  policy_digest?: string;
}

/** What the decision says; the signer adds the issuer and the expiry. */
export type ReceiptFacts = Omit<ReceiptClaims, 'iss' | 'exp'>;

export interface ReceiptSignerOptions {
  privateKey: KeyObject;
  /** Public keys of earlier signing keys, still published so their receipts keep verifying. */
  previous?: readonly ReceiptPublicJwk[];
  issuer: string;
  ttlSeconds: number;
}

export interface Jwks {
  keys: ReceiptPublicJwk[];
}

/** Signs receipts with one Ed25519 key and publishes it with the earlier ones. Built once, in main.ts. */
export class ReceiptSigner {
  readonly kid: string;
  private readonly key: KeyObject;
  /** The protected header, base64url, the same for every receipt of this key. */
  private readonly header: string;
  private readonly issuer: string;
  private readonly ttlSeconds: number;
  private readonly published: Jwks;

  constructor(options: ReceiptSignerOptions) {
    this.key = options.privateKey;
    this.issuer = options.issuer;
    this.ttlSeconds = options.ttlSeconds;
    const current = publicJwkOf(options.privateKey);
    this.kid = current.kid;
    this.header = base64url(JSON.stringify({ alg: 'EdDSA', kid: this.kid, typ: RECEIPT_TYP }));
    const previous = (options.previous ?? []).filter((k) => k.x !== current.x);
    this.published = { keys: [current, ...previous] };
  }

  claims(facts: ReceiptFacts): ReceiptClaims {
    return { iss: this.issuer, ...facts, exp: facts.iat + this.ttlSeconds };
  }

  /**
   * A JWS in compact form (RFC 7515), EdDSA over Ed25519 (RFC 8037): the header and claims
   * base64url, joined by a dot, signed with node:crypto in this thread. jose's CompactSign goes
   * through WebCrypto and took about three times as long in the same run (`npm run bench:receipts`
   * prints both); what this makes is checked by jose and by an independent JOSE implementation in
   * the tests.
   */
  async sign(facts: ReceiptFacts): Promise<string> {
    const input = `${this.header}.${base64url(JSON.stringify(this.claims(facts)))}`;
    return `${input}.${sign(null, Buffer.from(input), this.key).toString('base64url')}`;
  }

  /** The public keys, current first: what `GET /.well-known/jwks.json` serves. */
  jwks(): Jwks {
    return { keys: this.published.keys.map((k) => ({ ...k })) };
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
