import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { startOidcProvider, type TestCa, type TestProvider, throwawayCa } from '../helpers/oidc-provider.js';
import { freePort, randomPrefix, startRedis } from '../helpers/redis-server.js';
import { type ReplicaProcess, spawnReplica } from '../helpers/replica-process.js';

const POLICY = `
groups:
  team: [ada@example.com, carl@example.com, dora@example.com]
admins: [boss@example.com]
rules:
  - name: everything
    when: { action: "*" }
    route: { email: boss@example.com }
`;

const IDP = 'Example IdP';
const CLIENT = { client_id: 'looppause-dashboard', client_secret: randomBytes(24).toString('base64url') };

/**
 * Sign-in with a real OpenID provider (oidc-provider under Node 22, HTTPS with a throwaway CA the
 * service trusts through NODE_EXTRA_CA_CERTS), the service as its own process, real redirects in
 * Chromium. The provider starts only in the first test: until then it is down.
 */
describe('dashboard sign-in with an OpenID provider', () => {
  let ca: TestCa;
  let dir: string;
  let providerPort: number;
  /** The port of the second pair's replica B: its callback is registered at the provider too. */
  let pairPort: number;
  let provider: TestProvider | undefined;
  let service: ReplicaProcess;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ca = throwawayCa();
    dir = mkdtempSync(join(tmpdir(), 'lp-oidc-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    providerPort = await freePort();
    pairPort = await freePort();
    const port = await freePort();
    base = `http://localhost:${port}`;
    service = await spawnReplica({
      PORT: String(port),
      PUBLIC_URL: base,
      NODE_EXTRA_CA_CERTS: ca.caFile,
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
      LOOPPAUSE_OUTBOX_DIR: join(dir, 'outbox'),
      LOOPPAUSE_DEV_STATE_DIR: join(dir, 'state'),
      LOOPPAUSE_OIDC_ISSUER: `https://localhost:${providerPort}`,
      LOOPPAUSE_OIDC_CLIENT_ID: CLIENT.client_id,
      LOOPPAUSE_OIDC_CLIENT_SECRET: CLIENT.client_secret,
      LOOPPAUSE_OIDC_NAME: IDP,
    });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await service?.stop();
    await provider?.stop();
    ca?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const newPage = async (): Promise<Page> => {
    // The browser's own trust of the provider is not under test: the service's is.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    contexts.push(context);
    return context.newPage();
  };

  const startSignIn = async (page: Page) => {
    await page.goto(`${base}/dashboard/signin`);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${base}/dashboard/oidc/start`),
      page.getByRole('link', { name: `Sign in with ${IDP}` }).click(),
    ]);
    return response;
  };

  /** Signs in at the provider's login page as `login` and agrees; the browser returns to LoopPause. */
  const atProvider = async (page: Page, login: string): Promise<void> => {
    await page.locator('input[name="login"]').waitFor();
    expect(new URL(page.url()).origin).toBe(`https://localhost:${providerPort}`);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  };

  /** The callback's answer for `login`, the browser left on whatever page LoopPause shows. */
  const signInAs = async (page: Page, login: string) => {
    await startSignIn(page);
    const [callback] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${base}/dashboard/oidc/callback?`)),
      atProvider(page, login),
    ]);
    await page.waitForLoadState();
    return callback;
  };

  const expectSignedOut = async (page: Page) => {
    await page.goto(`${base}/dashboard/waiting`);
    await page.getByRole('heading', { name: 'Sign in to LoopPause' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/dashboard/signin');
  };

  it('with the provider down, the sign-in page says so and offers the e-mail link; the next sign-in reaches it', async () => {
    const page = await newPage();
    const down = await startSignIn(page);
    expect(down.status()).toBe(503);
    await page.getByText(`${IDP} is not answering just now.`).waitFor();
    await page.getByLabel('Work e-mail').waitFor();
    await expect(page.getByRole('button', { name: 'E-mail me a sign-in link' }).count()).resolves.toBe(1);
    const axe = await new AxeBuilder({ page }).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual(
      [],
    );

    provider = await startOidcProvider(ca, providerPort, [
      {
        ...CLIENT,
        redirect_uris: [`${base}/dashboard/oidc/callback`, `http://localhost:${pairPort}/dashboard/oidc/callback`],
      },
      {
        client_id: 'another-client',
        client_secret: randomBytes(24).toString('base64url'),
        redirect_uris: [`${base}/x`],
      },
    ]);
    const [authorize] = await Promise.all([
      page.waitForRequest((r) => r.url().startsWith(`https://localhost:${providerPort}/auth?`)),
      startSignIn(page),
    ]);
    await page.locator('input[name="login"]').waitFor();
    const sent = new URL(authorize.url()).searchParams;
    expect(sent.get('response_type')).toBe('code');
    expect(sent.get('client_id')).toBe(CLIENT.client_id);
    expect(sent.get('code_challenge_method')).toBe('S256');
    expect(sent.get('scope')).toBe('openid email profile');
    expect(sent.get('redirect_uri')).toBe(`${base}/dashboard/oidc/callback`);
    for (const name of ['state', 'nonce', 'code_challenge']) expect(sent.get(name)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a verified e-mail in a policy group signs in as a user; a policy admin as admin; sign-out ends the session', async () => {
    const ada = await newPage();
    const callback = await signInAs(ada, 'ada@example.com');
    expect(callback.status()).toBe(303);
    await ada.getByRole('heading', { name: 'Waiting for me' }).waitFor();
    await ada.getByText('Signed in.').waitFor();
    await expect(ada.locator('.who span').textContent()).resolves.toBe('ada@example.com');
    await expect(ada.getByRole('link', { name: 'API keys' }).count()).resolves.toBe(0);
    const keys = await ada.goto(`${base}/dashboard/keys`);
    expect(keys?.status()).toBe(403);

    const boss = await newPage();
    await signInAs(boss, 'Boss@Example.com');
    await boss.getByRole('heading', { name: 'Waiting for me' }).waitFor();
    await expect(boss.locator('.who span').textContent()).resolves.toBe('boss@example.com · admin');
    const adminKeys = await boss.goto(`${base}/dashboard/keys`);
    expect(adminKeys?.status()).toBe(200);

    await boss.getByRole('button', { name: 'Sign out' }).click();
    await boss.getByText('Signed out.').waitFor();
    await expectSignedOut(boss);
  });

  it('refuses an address the provider does not call verified, and one the policy does not name', async () => {
    const page = await newPage();
    const unverified = await signInAs(page, 'unverified.carl@example.com');
    expect(unverified.status()).toBe(403);
    await page.getByText(`${IDP} did not say your e-mail address is verified`).waitFor();
    await expectSignedOut(page);

    const stranger = await newPage();
    const unknown = await signInAs(stranger, 'eve@example.com');
    expect(unknown.status()).toBe(403);
    await stranger.getByText('that address may not use LoopPause').waitFor();
    await expectSignedOut(stranger);
  });

  it('refuses a forged state and keeps the round trip; takes the genuine return once: a replay, here or in another browser, is refused', async () => {
    const page = await newPage();
    await startSignIn(page);
    await page.locator('input[name="login"]').waitFor();
    // Another tab of the same browser (the round trip's cookie is there) comes back with a made-up state.
    const tab = await page.context().newPage();
    const forged = new URL(`${base}/dashboard/oidc/callback`);
    forged.searchParams.set('code', randomBytes(32).toString('base64url'));
    forged.searchParams.set('state', randomBytes(32).toString('base64url'));
    expect((await tab.goto(forged.href))?.status()).toBe(400);
    await tab.getByText('This sign-in was not started in this browser, was used already, or took too long.').waitFor();
    await expectSignedOut(tab);

    let genuine = '';
    page.on('request', (request) => {
      if (request.url().startsWith(`${base}/dashboard/oidc/callback?`)) genuine = request.url();
    });
    await atProvider(page, 'dora@example.com');
    await page.getByRole('heading', { name: 'Waiting for me' }).waitFor();
    await expect(page.locator('.who span').textContent()).resolves.toBe('dora@example.com');
    expect(new URL(genuine).searchParams.get('code')).toBeTruthy();

    // The same return again, in this browser and in one that never started it: refused.
    expect((await tab.goto(genuine))?.status()).toBe(400);
    await tab.getByText('was used already').waitFor();
    const elsewhere = await newPage();
    expect((await elsewhere.goto(genuine))?.status()).toBe(400);
    await expectSignedOut(elsewhere);
  });

  it('refuses an ID token issued for another client (audience)', async () => {
    const page = await newPage();
    const callback = await signInAs(page, 'foreign-aud.dora@example.com');
    expect(callback.status()).toBe(400);
    await page.getByText(`The answer from ${IDP} did not pass LoopPause’s checks`).waitFor();
    await expectSignedOut(page);
  });

  it('a round trip begun on one replica ends on another (one Redis, one signing secret)', async () => {
    const redis = await startRedis();
    const publicUrl = `http://localhost:${pairPort}`;
    const shared = {
      PUBLIC_URL: publicUrl,
      REDIS_URL: redis.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      NODE_EXTRA_CA_CERTS: ca.caFile,
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
      LOOPPAUSE_OUTBOX_DIR: join(dir, 'outbox-pair'),
      LOOPPAUSE_OIDC_ISSUER: `https://localhost:${providerPort}`,
      LOOPPAUSE_OIDC_CLIENT_ID: CLIENT.client_id,
      LOOPPAUSE_OIDC_CLIENT_SECRET: CLIENT.client_secret,
      LOOPPAUSE_OIDC_NAME: IDP,
    };
    const [a, b] = await Promise.all([spawnReplica(shared), spawnReplica({ ...shared, PORT: String(pairPort) })]);
    try {
      const page = await newPage();
      // Cookies do not care for ports: the round trip's cookie set by A goes to B, as behind one name.
      const aAt = new URL(a.url);
      await page.goto(`http://localhost:${aAt.port}/dashboard/oidc/start`);
      const [flowCookie] = (await page.context().cookies()).filter((c) => c.name === 'lp_dash_oidc');
      expect(flowCookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const [callback] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(`${publicUrl}/dashboard/oidc/callback?`)),
        atProvider(page, 'ada@example.com'),
      ]);
      expect(callback.status()).toBe(303);
      await page.getByRole('heading', { name: 'Waiting for me' }).waitFor();
      // The session is in Redis: A knows it too.
      await page.goto(`http://localhost:${aAt.port}/dashboard/waiting`);
      await expect(page.locator('.who span').textContent()).resolves.toBe('ada@example.com');
      // The return is spent for both: even with the round trip's cookie put back, A refuses it.
      if (flowCookie) await page.context().addCookies([flowCookie]);
      expect((await page.goto(callback.url().replace(publicUrl, `http://localhost:${aAt.port}`)))?.status()).toBe(400);
      await page.getByText('was used already').waitFor();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await redis.stop();
    }
  });

  it('an issuer that is not the one the provider names is a clear 503 with the e-mail sign-in, not a sign-in', async () => {
    // The provider calls itself https://localhost:<port>; its certificate also covers 127.0.0.1.
    const wrong = await spawnReplica({
      NODE_EXTRA_CA_CERTS: ca.caFile,
      LOOPPAUSE_DASHBOARD_USERS: 'ada@example.com',
      LOOPPAUSE_OUTBOX_DIR: join(dir, 'outbox-2'),
      LOOPPAUSE_OIDC_ISSUER: `https://127.0.0.1:${providerPort}`,
      LOOPPAUSE_OIDC_CLIENT_ID: CLIENT.client_id,
      LOOPPAUSE_OIDC_CLIENT_SECRET: CLIENT.client_secret,
      LOOPPAUSE_OIDC_NAME: IDP,
    });
    try {
      const res = await fetch(`${wrong.url}/dashboard/oidc/start`, { redirect: 'manual' });
      expect(res.status).toBe(503);
      const page = await res.text();
      expect(page).toContain(`Sign-in with ${IDP} is not set up right on this server`);
      expect(page).toContain('Work e-mail');
    } finally {
      await wrong.stop();
    }
  });

  it('a bad OIDC setting stops start-up, naming the variable', async () => {
    const result = await runCli(['serve'], {
      PORT: '0',
      LOOPPAUSE_OIDC_ISSUER: `https://localhost:${providerPort}`,
      LOOPPAUSE_OIDC_CLIENT_SECRET: CLIENT.client_secret,
      LOOPPAUSE_OIDC_SCOPES: 'profile',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('config error: LOOPPAUSE_OIDC_SCOPES: must include openid and email');
    expect(result.stderr).toContain('config error: LOOPPAUSE_OIDC_CLIENT_ID: is required');
    expect(result.stderr).not.toContain(CLIENT.client_secret);
  });
});
