import * as client from 'openid-client';
import { z } from 'zod';
import type { Config } from '../config.js';
import { secretsEqual } from '../domain/hash.js';
import type { DashboardSessions } from '../store/ports/sessions.js';
import { FLOW_TTL_MS, flowMarkHash, flowSecrets } from './flow.js';

export type OidcSettings = NonNullable<Config['oidc']>;

/** Where the identity provider sends the browser back: register exactly this at the provider. */
export const OIDC_CALLBACK_PATH = '/dashboard/oidc/callback';

export function oidcRedirectUri(publicUrl: string): string {
  return `${publicUrl}${OIDC_CALLBACK_PATH}`;
}

/** Why a sign-in with the identity provider did not happen; `detail` is for the log, never the page. */
export type OidcRefusal =
  /** The provider could not be reached, timed out or answered with a server error. */
  | { reason: 'unavailable'; detail: string }
  /** The provider answered discovery with something that does not fit the settings (another issuer, say). */
  | { reason: 'misconfigured'; detail: string }
  /** The return does not belong to a round trip this browser started (forged, replayed or expired). */
  | { reason: 'state'; detail: string }
  /** The person cancelled or the provider refused (an `error` on the return). */
  | { reason: 'denied'; detail: string }
  /** The provider's answer failed a check: issuer, audience, nonce, expiry, PKCE, the code. */
  | { reason: 'invalid'; detail: string }
  /** No e-mail address, or one the provider does not say is verified. */
  | { reason: 'unverified'; detail: string };

export type OidcResult<T> = ({ ok: true } & T) | ({ ok: false } & OidcRefusal);

/** The claims LoopPause reads: an address, and the provider's word that it is verified. */
const emailClaims = z.object({
  email: z
    .string()
    .max(254)
    .regex(/^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,63}$/),
  email_verified: z.literal(true),
});

export interface OidcOptions {
  /** How long a request to the provider may take before the provider counts as down. */
  timeoutMs?: number;
}

/**
 * Sign-in through the company's OpenID Connect provider, with `openid-client`: authorization code
 * with PKCE (S256), `state` and `nonce`, the ID token's issuer, audience, expiry and nonce checked
 * by the library. Discovery happens at the first sign-in, not at start-up, so a provider that is
 * down never stops the service; a failed discovery is tried again at the next sign-in.
 */
export class OidcSignIn {
  private discovered?: Promise<client.Configuration>;
  private readonly timeoutSeconds: number;

  constructor(
    readonly settings: OidcSettings,
    private readonly publicUrl: string,
    private readonly key: Buffer,
    private readonly sessions: Pick<DashboardSessions, 'putSignInToken' | 'takeSignInToken'>,
    private readonly now: () => number,
    options: OidcOptions = {},
  ) {
    this.timeoutSeconds = Math.max(0.05, (options.timeoutMs ?? 5_000) / 1000);
  }

  /**
   * The provider's authorization URL for a new round trip identified by `flowToken` (a fresh
   * random token the caller puts in the browser's cookie). Marks the round trip open, once.
   */
  async begin(flowToken: string): Promise<OidcResult<{ url: string }>> {
    const configuration = await this.configuration();
    if (!configuration.ok) return configuration;
    const { state, nonce, codeVerifier } = flowSecrets(this.key, flowToken);
    // An empty address: the mark can never sign anyone in, even if it were taken as a link.
    await this.sessions.putSignInToken(flowMarkHash(this.key, flowToken), { email: '' }, this.now() + FLOW_TTL_MS);
    const url = client.buildAuthorizationUrl(configuration.value, {
      redirect_uri: oidcRedirectUri(this.publicUrl),
      scope: this.settings.scopes.join(' '),
      response_type: 'code',
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { ok: true, url: url.href };
  }

  /**
   * The return from the provider (`query`: the callback's query string) for the round trip whose
   * token this browser holds: the state matched first, the round trip closed (single use), the
   * code exchanged, the ID token checked, and the verified e-mail address read.
   */
  async finish(query: URLSearchParams, flowToken: string | undefined): Promise<OidcResult<{ email: string }>> {
    if (!flowToken) return { ok: false, reason: 'state', detail: 'no sign-in round trip cookie' };
    const secrets = flowSecrets(this.key, flowToken);
    const givenState = query.get('state');
    if (givenState === null || !secretsEqual(givenState, secrets.state)) {
      return { ok: false, reason: 'state', detail: 'state does not match this browser’s round trip' };
    }
    const mark = await this.sessions.takeSignInToken(flowMarkHash(this.key, flowToken), this.now());
    if (!mark) return { ok: false, reason: 'state', detail: 'round trip already finished or expired' };
    if (query.has('error')) {
      return { ok: false, reason: 'denied', detail: `provider answered ${String(query.get('error')).slice(0, 100)}` };
    }
    const configuration = await this.configuration();
    if (!configuration.ok) return configuration;
    const callback = new URL(oidcRedirectUri(this.publicUrl));
    callback.search = query.toString();
    try {
      const tokens = await client.authorizationCodeGrant(configuration.value, callback, {
        pkceCodeVerifier: secrets.codeVerifier,
        expectedState: secrets.state,
        expectedNonce: secrets.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) return { ok: false, reason: 'invalid', detail: 'no ID token' };
      // Providers that keep the e-mail out of the ID token give it at the userinfo endpoint, for the same subject.
      const source =
        idToken.email === undefined
          ? await client.fetchUserInfo(configuration.value, tokens.access_token, idToken.sub)
          : idToken;
      const claims = emailClaims.safeParse(source);
      if (!claims.success) {
        const detail =
          source.email === undefined
            ? 'no email claim'
            : source.email_verified !== true
              ? `email_verified is ${JSON.stringify(source.email_verified ?? null)}`
              : 'email claim is not an address';
        return { ok: false, reason: 'unverified', detail };
      }
      return { ok: true, email: claims.data.email.toLowerCase() };
    } catch (error) {
      return { ok: false, ...classify(error) };
    }
  }

  private async configuration(): Promise<{ ok: true; value: client.Configuration } | ({ ok: false } & OidcRefusal)> {
    this.discovered ??= this.discover();
    const pending = this.discovered;
    try {
      return { ok: true, value: await pending };
    } catch (error) {
      // Forget the failure so the next sign-in asks the provider again.
      if (this.discovered === pending) this.discovered = undefined;
      const refusal = classify(error);
      const reason = refusal.reason === 'unavailable' ? 'unavailable' : 'misconfigured';
      return { ok: false, reason, detail: `discovery: ${refusal.detail}` };
    }
  }

  private async discover(): Promise<client.Configuration> {
    const configuration = await client.discovery(
      new URL(this.settings.issuer),
      this.settings.clientId,
      { client_secret: this.settings.clientSecret },
      client.ClientSecretBasic(this.settings.clientSecret),
      { timeout: this.timeoutSeconds },
    );
    configuration.timeout = this.timeoutSeconds;
    return configuration;
  }
}

/** An error from the library or the network, as a refusal: unreachable and 5xx are "unavailable". */
function classify(error: unknown): OidcRefusal {
  const detail = describe(error);
  if (error instanceof TypeError) return { reason: 'unavailable', detail };
  if (error instanceof client.ClientError) {
    const code = error.code ?? '';
    if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT') return { reason: 'unavailable', detail };
    if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
      const status = (error.cause as { status?: unknown } | undefined)?.status;
      if (typeof status !== 'number' || status >= 500) return { reason: 'unavailable', detail };
    }
  }
  if (error instanceof client.ResponseBodyError && error.status >= 500) return { reason: 'unavailable', detail };
  return { reason: 'invalid', detail };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 300);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const causeCode = (error.cause as { code?: unknown } | undefined)?.code;
  return [error.message + cause, code, causeCode]
    .filter((v) => typeof v === 'string' && v !== '')
    .join(' ')
    .slice(0, 300);
}
