// A real OpenID provider (oidc-provider) for the sign-in tests, run under Node 22 (oidc-provider 9
// needs it) as its own process over HTTPS. Its development login page takes any login: the login
// is the account, the e-mail address is the login without an `unverified.` prefix, and
// email_verified is false when that prefix is there. An account whose login starts with
// `foreign-aud.` gets an ID token re-signed for another client, as a token meant for another
// application would arrive.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const issuer = env('OIDC_TEST_ISSUER');
const jwk = JSON.parse(env('OIDC_TEST_JWK'));
const clients = JSON.parse(env('OIDC_TEST_CLIENTS'));

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  cookies: { keys: ['looppause-test-provider-cookie-key'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const email = id.replace(/^(unverified|foreign-aud)\./, '');
    return {
      accountId: id,
      async claims() {
        return { sub: id, email, email_verified: !id.startsWith('unverified.'), name: email.split('@')[0] };
      },
    };
  },
});

const signingKey = await importJWK(jwk, 'RS256');
provider.use(async (ctx, next) => {
  await next();
  const idToken = ctx.path === '/token' && ctx.status === 200 ? ctx.body?.id_token : undefined;
  if (typeof idToken !== 'string') return;
  const claims = decodeJwt(idToken);
  if (!String(claims.sub).startsWith('foreign-aud.')) return;
  const header = decodeProtectedHeader(idToken);
  ctx.body = {
    ...ctx.body,
    id_token: await new SignJWT({ ...claims, aud: 'another-client', azp: 'another-client' })
      .setProtectedHeader({ alg: 'RS256', kid: header.kid })
      .sign(signingKey),
  };
});

const server = createServer(
  { key: readFileSync(env('OIDC_TEST_KEY_FILE')), cert: readFileSync(env('OIDC_TEST_CERT_FILE')) },
  provider.callback(),
);
server.listen(Number(env('OIDC_TEST_PORT')), () => process.stdout.write('ready\n'));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
// The test holds our stdin open: when it ends (the test process gone, however), so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
