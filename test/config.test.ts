import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';

describe('config', () => {
  it('believes X-Forwarded-For only from private-network proxies unless LOOPPAUSE_TRUST_PROXY says otherwise', () => {
    const trust = (value?: string) => {
      const result = parseConfig(value === undefined ? {} : { LOOPPAUSE_TRUST_PROXY: value });
      return result.ok ? result.config.trustProxy : undefined;
    };
    expect(trust()).toEqual(['loopback', 'linklocal', 'uniquelocal']);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, 192.168.1.5')).toEqual(['10.0.0.0/8', '192.168.1.5']);
  });

  it('has working embedded defaults', () => {
    const result = parseConfig({});
    if (!result.ok) throw new Error(result.errors.join());
    expect(result.config.port).toBe(3000);
    expect(result.config.publicUrl).toBe('http://localhost:3000');
    expect(result.config.redis).toBeUndefined();
    expect(result.config.slack).toBeUndefined();
    expect(result.config.email).toMatchObject({ outboxDir: './outbox', fallbackAfterSeconds: 900 });
  });

  it('reports one line per bad variable, naming it, without echoing secrets', () => {
    const result = parseConfig({
      PORT: 'eighty',
      REDIS_URL: 'http://nope',
      LOOPPAUSE_SIGNING_SECRET: 'short-secret-value',
      SLACK_BOT_TOKEN: 'xoxp-user-token-value',
      LOG_LEVEL: 'loud',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.split(':')[0]).sort()).toEqual(
      ['LOG_LEVEL', 'LOOPPAUSE_SIGNING_SECRET', 'PORT', 'REDIS_URL', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'].sort(),
    );
    expect(result.errors.join('\n')).not.toContain('short-secret-value');
    expect(result.errors.join('\n')).not.toContain('xoxp-user-token-value');
  });

  it('reports the rules across variables in the same run as the malformed ones', () => {
    const result = parseConfig({ NODE_ENV: 'production', PORT: 'eighty', LOOPPAUSE_API_KEYS: 'nocolon' });
    expect(!result.ok && result.errors.map((e) => e.split(':')[0]).sort()).toEqual([
      'LOOPPAUSE_API_KEYS',
      'LOOPPAUSE_RECEIPT_KEY',
      'LOOPPAUSE_SIGNING_SECRET',
      'PORT',
    ]);
  });

  it('requires a signing secret in production and both Slack secrets together', () => {
    const result = parseConfig({ NODE_ENV: 'production', SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toContain('LOOPPAUSE_SIGNING_SECRET: is required when NODE_ENV=production');
    expect(result.errors).toContain('SLACK_SIGNING_SECRET: is required when SLACK_BOT_TOKEN is set');
  });

  it('parses API keys and rejects malformed pairs', () => {
    const ok = parseConfig({ LOOPPAUSE_API_KEYS: 'claude:0123456789abcdef0123, cursor:fedcba9876543210fedc' });
    expect(ok.ok && ok.config.apiKeys.map((k) => k.name)).toEqual(['claude', 'cursor']);
    const bad = parseConfig({ LOOPPAUSE_API_KEYS: 'claude:short,nocolon' });
    expect(!bad.ok && bad.errors).toHaveLength(2);
    const twice = parseConfig({ LOOPPAUSE_API_KEYS: 'ci:0123456789abcdef0123,ci:fedcba9876543210fedc' });
    expect(!twice.ok && twice.errors).toEqual([
      'LOOPPAUSE_API_KEYS: entry 2 repeats the name ci; names must be unique',
    ]);
  });

  it('parses the allowed e-mail domains, lower-cased, and refuses what is not a domain', () => {
    const ok = parseConfig({ LOOPPAUSE_ALLOWED_EMAIL_DOMAINS: 'Example.com, ops.example.org' });
    expect(ok.ok && ok.config.allowedEmailDomains).toEqual(['example.com', 'ops.example.org']);
    const bad = parseConfig({ LOOPPAUSE_ALLOWED_EMAIL_DOMAINS: 'example.com,@evil' });
    expect(!bad.ok && bad.errors[0]).toMatch(/^LOOPPAUSE_ALLOWED_EMAIL_DOMAINS: /);
  });

  it('parses the allowed Slack destinations (names lower-cased) and refuses what is not one', () => {
    const ok = parseConfig({ LOOPPAUSE_ALLOWED_SLACK_CHANNELS: '#Approvals, C0123ABCD9, U0ONCALL01' });
    expect(ok.ok && ok.config.allowedSlackChannels).toEqual(['#approvals', 'C0123ABCD9', 'U0ONCALL01']);
    const bad = parseConfig({ LOOPPAUSE_ALLOWED_SLACK_CHANNELS: '#approvals,approvals' });
    expect(!bad.ok && bad.errors[0]).toMatch(/^LOOPPAUSE_ALLOWED_SLACK_CHANNELS: /);
  });

  it('defaults the waiting cap to 100 and requires a real metrics token when one is set', () => {
    const defaults = parseConfig({});
    expect(defaults.ok && defaults.config.maxWaitingPerKey).toBe(100);
    expect(defaults.ok && defaults.config.metricsToken).toBeUndefined();
    const bad = parseConfig({ LOOPPAUSE_MAX_WAITING_PER_KEY: '-1', LOOPPAUSE_METRICS_TOKEN: 'short' });
    expect(!bad.ok && bad.errors.map((e) => e.split(':')[0]).sort()).toEqual([
      'LOOPPAUSE_MAX_WAITING_PER_KEY',
      'LOOPPAUSE_METRICS_TOKEN',
    ]);
  });

  it('allows the public host and extra hosts through the Host guard', () => {
    const result = parseConfig({
      PUBLIC_URL: 'https://approvals.example.com/',
      LOOPPAUSE_ALLOWED_HOSTS: 'lp.internal',
    });
    if (!result.ok) throw new Error(result.errors.join());
    expect(result.config.publicUrl).toBe('https://approvals.example.com');
    expect(result.config.allowedHosts).toEqual(
      expect.arrayContaining(['approvals.example.com', 'lp.internal', 'localhost']),
    );
  });
});
