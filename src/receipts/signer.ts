import { type KeyObject, webcrypto } from 'node:crypto';
import { CompactSign } from 'jose';
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
  /**
   * The key as WebCrypto's own, imported once: jose signs through WebCrypto, and handing it a
   * KeyObject re-imports the key on every receipt (about 60 µs of each 135 µs, measured).
   */
  private readonly key: Promise<webcrypto.CryptoKey>;
  private readonly issuer: string;
  private readonly ttlSeconds: number;
  private readonly published: Jwks;

  constructor(options: ReceiptSignerOptions) {
    this.key = webcrypto.subtle.importKey(
      'pkcs8',
      options.privateKey.export({ format: 'der', type: 'pkcs8' }),
      { name: 'Ed25519' },
      false,
      ['sign'],
    );
    this.issuer = options.issuer;
    this.ttlSeconds = options.ttlSeconds;
    const current = publicJwkOf(options.privateKey);
    this.kid = current.kid;
    const previous = (options.previous ?? []).filter((k) => k.x !== current.x);
    this.published = { keys: [current, ...previous] };
  }

  claims(facts: ReceiptFacts): ReceiptClaims {
    return { iss: this.issuer, ...facts, exp: facts.iat + this.ttlSeconds };
  }

  async sign(facts: ReceiptFacts): Promise<string> {
    const payload = new TextEncoder().encode(JSON.stringify(this.claims(facts)));
    return new CompactSign(payload)
      .setProtectedHeader({ alg: 'EdDSA', kid: this.kid, typ: RECEIPT_TYP })
      .sign(await this.key);
  }

  /** The public keys, current first: what `GET /.well-known/jwks.json` serves. */
  jwks(): Jwks {
    return { keys: this.published.keys.map((k) => ({ ...k })) };
  }
}
