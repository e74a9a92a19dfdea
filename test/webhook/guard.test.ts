import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { postWebhook } from '../../src/webhook/post.js';
import { newWebhookSecret, signedHeaders } from '../../src/webhook/signer.js';
import { checkUrlShape, type Resolver, refusalFor, UrlRefused, vetUrl } from '../../src/webhook/ssrf-guard.js';

describe('SSRF guard: addresses', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '100.127.255.254',
    '169.254.1.1',
    '169.254.169.254',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::10.0.0.1',
    // IPv4 inside IPv6 forms a network may route inside, and site-local.
    '::7f00:1',
    '::ffff:0:7f00:1',
    '64:ff9b:1::7f00:1',
    '2002:7f00:1::',
    '2001:0:4136:e378::1',
    'fec0::1',
  ])('refuses %s when private addresses are not allowed', (address) => {
    expect(refusalFor(address, false)).toBeDefined();
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1111',
    '2a00:1450:4001::200e',
    '::ffff:8.8.8.8',
  ])('accepts the public address %s', (address) => {
    expect(refusalFor(address, false)).toBeUndefined();
  });

  it('allows loopback and private addresses when told to, never the metadata services', () => {
    expect(refusalFor('127.0.0.1', true)).toBeUndefined();
    expect(refusalFor('10.1.2.3', true)).toBeUndefined();
    expect(refusalFor('169.254.169.254', true)).toMatch(/metadata/);
    expect(refusalFor('::ffff:169.254.169.254', true)).toMatch(/metadata/);
    expect(refusalFor('fd00:ec2::254', true)).toMatch(/metadata/);
  });

  it.each([
    // Every spelling of the metadata and credential services, with private addresses allowed.
    '169.254.169.254',
    '169.254.170.2',
    '169.254.170.23', // EKS Pod Identity agent
    '169.254.169.253',
    '100.100.100.200',
    '192.0.0.192',
    'fd00:ec2::254',
    'fd00:ec2::23',
    'FD00:EC2:0:0:0:0:0:23',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::169.254.169.254', // IPv4-compatible, as written
    '::a9fe:a9fe', // … and as the URL parser writes it
    '::ffff:0:a9fe:a9fe', // SIIT
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::a9fe:a9fe',
    '2002:a9fe:a9fe::1', // 6to4
    '2001:0:4136:e378:8000:63bf:5601:5601', // Teredo, client 169.254.169.254 inverted
  ])('refuses the metadata address %s even when private addresses are allowed', (address) => {
    expect(refusalFor(address, true)).toMatch(/metadata/);
  });

  it('refuses the URL forms the review found with private addresses allowed', async () => {
    const open = { allowPrivate: true, requireHttps: false };
    for (const url of ['http://[::169.254.169.254]/', 'http://169.254.170.23/', 'http://[fd00:ec2::23]/']) {
      await expect(vetUrl(url, open), url).rejects.toThrow(/metadata/);
    }
  });
});

describe('SSRF guard: URLs', () => {
  const resolve: Resolver = async (host) => {
    if (host === 'internal.example.com') return [{ address: '10.9.8.7', family: 4 }];
    if (host === 'mixed.example.com')
      return [
        { address: '93.184.216.34', family: 4 },
        { address: '192.168.0.10', family: 4 },
      ];
    if (host === 'public.example.com') return [{ address: '93.184.216.34', family: 4 }];
    throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
  };
  const strict = { allowPrivate: false, requireHttps: false, resolve };

  it('refuses a name resolving to 10.x, or to any private address among public ones', async () => {
    await expect(vetUrl('https://internal.example.com/h', strict)).rejects.toThrow(/resolves to 10\.9\.8\.7/);
    await expect(vetUrl('https://mixed.example.com/h', strict)).rejects.toThrow(/192\.168\.0\.10/);
    await expect(vetUrl('https://nowhere.example.com/h', strict)).rejects.toThrow(/does not resolve \(ENOTFOUND\)/);
    await expect(vetUrl('http://[::1]:3000/', strict)).rejects.toThrow(UrlRefused);
    await expect(vetUrl('http://169.254.169.254/latest', strict)).rejects.toThrow(UrlRefused);
    expect(await vetUrl('https://public.example.com/h', strict)).toMatchObject({ address: '93.184.216.34', family: 4 });
  });

  it('says why in one sentence: the host, the address it resolves to, and what that address is', async () => {
    const refusal = (url: string) =>
      vetUrl(url, strict).then(
        () => 'accepted',
        (error: Error) => error.message,
      );
    expect(await refusal('https://internal.example.com/h')).toBe(
      'its host internal.example.com resolves to 10.9.8.7, a loopback, private, link-local or reserved address ' +
        '(set LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE=true to allow it)',
    );
    expect(await refusal('http://127.0.0.1:3000/h')).toBe(
      'its host 127.0.0.1 is a loopback, private, link-local or reserved address (set LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE=true to allow it)',
    );
    expect(await refusal('http://169.254.169.254/latest')).toBe('its host 169.254.169.254 is a cloud metadata address');
  });

  it('takes http(s) only, https in production unless private addresses are allowed, and no credentials', () => {
    expect(() => checkUrlShape('ftp://a.example.com/', { allowPrivate: false, requireHttps: false })).toThrow(/http/);
    expect(() => checkUrlShape('http://a.example.com/', { allowPrivate: false, requireHttps: true })).toThrow(/https/);
    expect(checkUrlShape('http://a.example.com/', { allowPrivate: true, requireHttps: true }).href).toBe(
      'http://a.example.com/',
    );
    expect(() => checkUrlShape('https://u:p@a.example.com/', { allowPrivate: false, requireHttps: false })).toThrow(
      /credentials/,
    );
    expect(() => checkUrlShape('not a url', { allowPrivate: false, requireHttps: false })).toThrow(/absolute/);
  });
});

describe('posting to the vetted address', () => {
  it('connects to the address the guard checked, not to what the name resolves to now; signed for standardwebhooks', async () => {
    const seen: Array<{ host?: string; body: string; headers: Record<string, string> }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ host: req.headers.host, body, headers: req.headers as Record<string, string> });
        res.statusCode = 302;
        res.setHeader('location', 'http://169.254.169.254/');
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      // "rebind.invalid" resolves nowhere: only the vetted address can have been used.
      const secret = newWebhookSecret();
      const body = '{"type":"pause.created","timestamp":"2026-11-25T00:00:00.000Z","data":{}}';
      const outcome = await postWebhook(
        { url: new URL(`http://rebind.invalid:${port}/hook`), address: '127.0.0.1', family: 4 },
        signedHeaders(secret, 'pse_x.created', body, new Date()),
        body,
        5000,
      );
      // A redirect is an answer like any other: not followed.
      expect(outcome).toEqual({ kind: 'response', status: 302 });
      expect(seen).toHaveLength(1);
      expect(seen[0]?.host).toBe(`rebind.invalid:${port}`);
      expect(seen[0]?.headers['webhook-id']).toBe('msg_pse_x.created');
      expect(new Webhook(secret).verify(seen[0]?.body ?? '', seen[0]?.headers ?? {})).toMatchObject({
        type: 'pause.created',
      });
      expect(() => new Webhook(newWebhookSecret()).verify(seen[0]?.body ?? '', seen[0]?.headers ?? {})).toThrow();
    } finally {
      server.close();
    }
  });
});
