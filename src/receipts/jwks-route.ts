import { type RequestHandler, Router } from 'express';
import type { ReceiptSigner } from './signer.js';

/** Where the receipt keys are published. */
export const JWKS_PATH = '/.well-known/jwks.json';

/** How long a verifier may cache the key set: a rotation lists the old key as previous, so a cached set stays right for receipts it already verified. */
const JWKS_MAX_AGE_SECONDS = 300;

/**
 * `GET /.well-known/jwks.json`: the receipt public keys (the current one first, then earlier ones
 * still accepted), without authentication, cacheable. Public parts only: the signer never holds more.
 */
export function jwksRouter(signer: Pick<ReceiptSigner, 'jwks'>): Router {
  const body = JSON.stringify(signer.jwks());
  const router = Router();
  const serve: RequestHandler = (_req, res) => {
    res.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
    res.type('application/jwk-set+json').send(body);
  };
  router.get('/', serve);
  return router;
}
