import { createHmac } from 'node:crypto';

/**
 * The secrets of one sign-in round trip to the identity provider, all derived from one random
 * token that only the browser holds (in an HttpOnly cookie) under a key only LoopPause holds: the
 * `state` sent out and checked on return, the `nonce` the ID token must carry, and the PKCE code
 * verifier. Every replica derives the same values from the same key, so the round trip may start on
 * one replica and end on another; nothing but a single-use mark is stored.
 */
export interface FlowSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export function flowSecrets(key: Buffer, flowToken: string): FlowSecrets {
  const derive = (purpose: string) =>
    createHmac('sha256', key).update(`oidc-${purpose}\n${flowToken}`).digest('base64url');
  // base64url of 32 bytes is 43 characters of the PKCE alphabet: a valid code verifier.
  return { state: derive('state'), nonce: derive('nonce'), codeVerifier: derive('pkce') };
}

/** The store key of a round trip's single-use mark: no sign-in link's token hashes to it. */
export function flowMarkHash(key: Buffer, flowToken: string): string {
  return createHmac('sha256', key).update(`oidc-flow-mark\n${flowToken}`).digest('hex');
}

/** How long a round trip may take, from the click to the return from the identity provider. */
export const FLOW_TTL_MS = 10 * 60_000;
