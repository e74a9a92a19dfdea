import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { isKeyName } from './domain/api-keys.js';
import { HUMAN_RULE, isHumanId, SLACK_TARGET_PATTERN } from './domain/schemas.js';
import { parseRedisUrl, type RedisTopology } from './lib/redis-topology.js';
import {
  parseReceiptPreviousKeys,
  parseReceiptPrivateKey,
  ReceiptKeyError,
  type ReceiptPublicJwk,
} from './receipts/keys.js';

/** Environment → typed config. The only module that reads `process.env`. */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A variable's trimmed value; unset and blank are the same. */
function given(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

const optionalString = z.string().optional().transform(given);

const url = (protocols: string[], what: string) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a ${what} URL (${protocols.map((p) => `${p}//`).join(' or ')})` },
  );

/** Comma-separated e-mail addresses, lower-cased. */
const emailList = optionalString
  .transform((v) =>
    v
      ?.split(',')
      .map((a) => a.trim().toLowerCase())
      .filter((a) => a !== ''),
  )
  .refine((list) => list === undefined || list.every((a) => /^[^\s@,:]+@[^\s@,:]+\.[^\s@,:]+$/.test(a)), {
    message: 'must be comma-separated e-mail addresses, e.g. ada@example.com,bob@example.com',
  });

/** Key material through one of the receipts parsers; a refusal is one issue on the variable, never the key. */
function keyMaterial<T>(parse: (text: string) => T) {
  return optionalString.transform((v, ctx): T | undefined => {
    if (v === undefined) return undefined;
    try {
      return parse(v);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: error instanceof ReceiptKeyError ? error.message : 'is not readable key material',
      });
      return z.NEVER;
    }
  });
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: url(['http:', 'https:'], 'http(s)'),
  LOOPPAUSE_ALLOWED_HOSTS: optionalString,
  REDIS_URL: optionalString.transform((v, ctx): { url: string; topology: RedisTopology } | undefined => {
    if (v === undefined) return undefined;
    const parsed = parseRedisUrl(v);
    if (parsed.ok) return { url: v, topology: parsed.topology };
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }),
  LOOPPAUSE_REDIS_MIN_REPLICAS: z.coerce
    .number({ error: 'must be a number of replicas' })
    .int('must be a whole number of replicas')
    .min(0, 'must be 0 or more')
    .max(16, 'must be at most 16')
    .optional(),
  LOOPPAUSE_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'must be 1–64 letters, digits, :, _ or -')
    .default('looppause'),
  LOOPPAUSE_SIGNING_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters',
  }),
  LOOPPAUSE_API_KEYS: optionalString,
  LOOPPAUSE_RECEIPT_KEY: keyMaterial(parseReceiptPrivateKey),
  LOOPPAUSE_RECEIPT_PREVIOUS_KEYS: keyMaterial(parseReceiptPreviousKeys),
  LOOPPAUSE_RECEIPT_TTL_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1')
    .max(366 * 24 * 3600)
    .default(3600),
  // Below Claude Code's 600 s hook timeout, so the hook answers before the agent gives up on it.
  LOOPPAUSE_HOOK_WAIT_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1')
    .max(590, 'must be at most 590 (Claude Code gives a hook 600 s)')
    .default(540),
  LOOPPAUSE_DEV_STATE_DIR: z.string().default('.looppause'),
  LOOPPAUSE_MEMORY_SNAPSHOT: z
    .enum(['true', 'false', '1', '0', ''], { error: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v === 'true' || v === '1')),
  SLACK_BOT_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith('xoxb-'), {
    message: 'must be a bot token (xoxb-…)',
  }),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith('xapp-'), {
    message: 'must be an app-level token (xapp-…)',
  }),
  SLACK_API_URL: url(['http:', 'https:'], 'http(s)'),
  SMTP_URL: url(['smtp:', 'smtps:'], 'SMTP'),
  LOOPPAUSE_OUTBOX_DIR: z.string().default('./outbox'),
  EMAIL_FROM: z.string().min(3).default('LoopPause <approvals@localhost>'),
  LOOPPAUSE_EMAIL_FALLBACK_AFTER_SECONDS: z.coerce
    .number()
    .min(0)
    .max(7 * 24 * 3600)
    .default(900),
  LOOPPAUSE_ALLOWED_EMAIL_DOMAINS: optionalString
    .transform((v) => v?.split(',').map((d) => d.trim().toLowerCase()))
    .refine((domains) => domains === undefined || domains.every((d) => /^[a-z0-9.-]+\.[a-z]{2,}$/.test(d)), {
      message: 'must be comma-separated domain names, e.g. example.com,example.org',
    }),
  LOOPPAUSE_ALLOWED_SLACK_CHANNELS: optionalString
    .transform((v) => v?.split(',').map((c) => (c.trim().startsWith('#') ? c.trim().toLowerCase() : c.trim())))
    .refine((targets) => targets === undefined || targets.every((t) => SLACK_TARGET_PATTERN.test(t)), {
      message:
        'must be comma-separated #channel names, channel ids (C…/G…) or user ids (U…/W…), e.g. #approvals,C0123ABCD',
    }),
  LOOPPAUSE_POLICY_FILE: optionalString,
  LOOPPAUSE_GATEWAY_FILE: optionalString,
  LOOPPAUSE_GATEWAY_WAIT_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1')
    .max(3600, 'must be at most 3600')
    .default(300),
  LOOPPAUSE_DASHBOARD_USERS: emailList,
  LOOPPAUSE_DASHBOARD_ADMINS: emailList,
  LOOPPAUSE_OIDC_ISSUER: optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        const u = new URL(v);
        return u.protocol === 'https:' && u.search === '' && u.hash === '' && u.username === '' && u.password === '';
      } catch {
        return false;
      }
    },
    { message: "must be the identity provider's https:// issuer URL (no query), e.g. https://accounts.google.com" },
  ),
  LOOPPAUSE_OIDC_CLIENT_ID: optionalString.refine((v) => v === undefined || /^[\x21-\x7e]{1,255}$/.test(v), {
    message: 'must be the client id the identity provider gave (1–255 printable characters, no spaces)',
  }),
  LOOPPAUSE_OIDC_CLIENT_SECRET: optionalString.refine((v) => v === undefined || /^[\x21-\x7e]{1,512}$/.test(v), {
    message: 'must be the client secret the identity provider gave (1–512 printable characters, no spaces)',
  }),
  LOOPPAUSE_OIDC_SCOPES: optionalString
    .transform((v) => (v ?? 'openid email profile').split(/[\s,]+/).filter((s) => s !== ''))
    .refine((scopes) => scopes.includes('openid') && scopes.includes('email'), {
      message: 'must include openid and email (e.g. "openid email profile")',
    })
    .refine((scopes) => scopes.every((s) => /^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/.test(s)), {
      message: 'must be scope names separated by spaces',
    }),
  LOOPPAUSE_OIDC_NAME: optionalString.refine((v) => v === undefined || v.length <= 40, {
    message: 'must be at most 40 characters (it labels the "Sign in with …" button)',
  }),
  LOOPPAUSE_OIDC_ONLY: z
    .enum(['true', 'false', '1', '0', ''], { error: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true' || v === '1'),
  LOOPPAUSE_MAX_WAITING_PER_KEY: z.coerce.number().int().min(0).max(100_000).default(100),
  LOOPPAUSE_METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  LOOPPAUSE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  LOOPPAUSE_JOB_LEASE_SECONDS: z.coerce.number().min(1).max(3600).optional(),
  /** The same, under its name before jobs were called jobs; still read. */
  LOOPPAUSE_TASK_LEASE_SECONDS: z.coerce.number().min(1).max(3600).optional(),
  LOOPPAUSE_TRUST_PROXY: z.string().max(500).optional(),
  LOOPPAUSE_AUDIT_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(36500)
    .default(365),
  LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false', '1', '0', ''], { error: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true' || v === '1'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

export interface ApiKeyConfig {
  name: string;
  key: string;
  /** The human behind the key: an e-mail address or a Slack user id. */
  owner?: string;
  /** May use the admin endpoints (`POST /v1/policy/explain`); absent is false. */
  admin?: boolean;
}

export interface SlackConfig {
  botToken: string;
  signingSecret: string;
  appToken?: string;
  apiUrl?: string;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Without a trailing slash. */
  publicUrl: string;
  /** Host names accepted in the Host header (DNS-rebinding protection). */
  allowedHosts: string[];
  /**
   * Which proxies' X-Forwarded-For is believed for the client's address (Express's `trust proxy`):
   * a hop count, or addresses, subnets and the names loopback, linklocal, uniquelocal.
   */
  trustProxy: number | string[];
  /**
   * Where state lives: one server, a Sentinel set or a Cluster (`topology`), and how many replicas
   * must acknowledge a decision before it is answered (LOOPPAUSE_REDIS_MIN_REPLICAS; by default 1
   * with Sentinel, 0 otherwise).
   */
  redis?: { url: string; prefix: string; topology: RedisTopology; minReplicas: number };
  /** Unset in development until main generates one. */
  signingSecret?: string;
  apiKeys: ApiKeyConfig[];
  /**
   * Decision receipts (Ed25519). `key` is unset in development and test until main supplies one
   * (kept in dev.json in development, a fresh one per start in test); required in production.
   */
  receipts: { key?: KeyObject; previous: ReceiptPublicJwk[]; ttlSeconds: number };
  devStateDir: string;
  /**
   * The embedded memory store keeps its state in `<devStateDir>/store.json` across restarts.
   * LOOPPAUSE_MEMORY_SNAPSHOT; by default on in development, off in test and production; never with Redis.
   */
  memorySnapshot: boolean;
  slack?: SlackConfig;
  email: { smtpUrl?: string; outboxDir: string; from: string; fallbackAfterSeconds: number };
  /** When set, e-mail recipients and e-mail approvers must be in these domains (lower case). */
  allowedEmailDomains?: string[];
  /** When set, `recipient_slack` must be one of these: `#name` (lower case), a channel id or a user id. */
  allowedSlackChannels?: string[];
  /** The operator's policy (YAML); unset: agents name recipients within the allow-lists. */
  policyFile?: string;
  /**
   * The MCP servers LoopPause fronts (LOOPPAUSE_GATEWAY_FILE), with the environment its `${VAR}`
   * references are read from (a lookup, not a copy: a config printed never shows the environment).
   */
  gateway?: { file: string; env: (name: string) => string | undefined };
  /** How long a gateway call waits for a human before answering "approval pending". */
  gatewayWaitSeconds: number;
  /** Waiting `check_approval` calls one API key may hold on one replica; past it a call answers at once. */
  maxWaitingPerKey: number;
  /** Without a policy file: who may sign in to /dashboard, and who of them is an admin (lower case). */
  dashboard: { users: string[]; admins: string[] };
  /**
   * Sign-in to the dashboard with the company's OpenID Connect provider (LOOPPAUSE_OIDC_*): the
   * issuer (discovered at the first sign-in), this app's client, the scopes asked for, the
   * provider's name on the button, and whether e-mail (and Slack) sign-in links are off.
   */
  oidc?: { issuer: string; clientId: string; clientSecret: string; scopes: string[]; name: string; only: boolean };
  /** When set, `/metrics` needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Requests per API key per minute on /mcp and /v1, across replicas; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** How long a replica holds a delivery job before another may take it over (a crashed replica's jobs). */
  jobLeaseMs: number;
  /** Audit entries older than this are dropped (the chain stays verifiable from its anchor). */
  auditRetentionDays: number;
  /** Webhook endpoints may be on loopback and private addresses (local receivers); off: refused at registration and delivery. */
  webhookAllowPrivate: boolean;
  /** The longest a tool call (a hook) waits for a human; a tool-call pause without its own timeout lives as long. */
  hookWaitSeconds: number;
  logLevel: (typeof LOG_LEVELS)[number];
}

export type ConfigResult<T = Config> = { ok: true; config: T } | { ok: false; errors: string[] };

export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  const parsed = envSchema.safeParse(env);
  const errors = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  // The rules across variables read the raw values, so one run reports every bad variable.
  const apiKeys = parseApiKeys(given(env.LOOPPAUSE_API_KEYS), errors);
  errors.push(...crossVariableErrors(env));
  if (!parsed.success || errors.length > 0) return { ok: false, errors };
  const e = parsed.data;

  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const allowedHosts = new Set(['localhost', '127.0.0.1', '[::1]', new URL(publicUrl).hostname]);
  for (const host of (e.LOOPPAUSE_ALLOWED_HOSTS ?? '').split(',')) if (host.trim()) allowedHosts.add(host.trim());

  const config: Config = {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    allowedHosts: [...allowedHosts],
    trustProxy: trustProxySetting(e.LOOPPAUSE_TRUST_PROXY),
    apiKeys,
    receipts: {
      previous: e.LOOPPAUSE_RECEIPT_PREVIOUS_KEYS ?? [],
      ttlSeconds: e.LOOPPAUSE_RECEIPT_TTL_SECONDS,
      ...(e.LOOPPAUSE_RECEIPT_KEY ? { key: e.LOOPPAUSE_RECEIPT_KEY } : {}),
    },
    devStateDir: e.LOOPPAUSE_DEV_STATE_DIR,
    memorySnapshot: e.REDIS_URL === undefined && (e.LOOPPAUSE_MEMORY_SNAPSHOT ?? e.NODE_ENV === 'development'),
    email: {
      outboxDir: e.LOOPPAUSE_OUTBOX_DIR,
      from: e.EMAIL_FROM,
      fallbackAfterSeconds: e.LOOPPAUSE_EMAIL_FALLBACK_AFTER_SECONDS,
      ...(e.SMTP_URL ? { smtpUrl: e.SMTP_URL } : {}),
    },
    rateLimitPerMinute: e.LOOPPAUSE_RATE_LIMIT_PER_MINUTE,
    maxWaitingPerKey: e.LOOPPAUSE_MAX_WAITING_PER_KEY,
    dashboard: { users: e.LOOPPAUSE_DASHBOARD_USERS ?? [], admins: e.LOOPPAUSE_DASHBOARD_ADMINS ?? [] },
    jobLeaseMs: (e.LOOPPAUSE_JOB_LEASE_SECONDS ?? e.LOOPPAUSE_TASK_LEASE_SECONDS ?? 60) * 1000,
    auditRetentionDays: e.LOOPPAUSE_AUDIT_RETENTION_DAYS,
    webhookAllowPrivate: e.LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE,
    hookWaitSeconds: e.LOOPPAUSE_HOOK_WAIT_SECONDS,
    gatewayWaitSeconds: e.LOOPPAUSE_GATEWAY_WAIT_SECONDS,
    logLevel: e.LOG_LEVEL,
  };
  if (e.LOOPPAUSE_ALLOWED_EMAIL_DOMAINS) config.allowedEmailDomains = e.LOOPPAUSE_ALLOWED_EMAIL_DOMAINS;
  if (e.LOOPPAUSE_ALLOWED_SLACK_CHANNELS) config.allowedSlackChannels = e.LOOPPAUSE_ALLOWED_SLACK_CHANNELS;
  if (e.LOOPPAUSE_METRICS_TOKEN) config.metricsToken = e.LOOPPAUSE_METRICS_TOKEN;
  if (e.LOOPPAUSE_POLICY_FILE) config.policyFile = e.LOOPPAUSE_POLICY_FILE;
  if (e.LOOPPAUSE_GATEWAY_FILE) {
    const snapshot = { ...env };
    config.gateway = { file: e.LOOPPAUSE_GATEWAY_FILE, env: (name) => snapshot[name] };
  }
  if (e.LOOPPAUSE_OIDC_ISSUER && e.LOOPPAUSE_OIDC_CLIENT_ID && e.LOOPPAUSE_OIDC_CLIENT_SECRET) {
    config.oidc = {
      issuer: e.LOOPPAUSE_OIDC_ISSUER,
      clientId: e.LOOPPAUSE_OIDC_CLIENT_ID,
      clientSecret: e.LOOPPAUSE_OIDC_CLIENT_SECRET,
      scopes: e.LOOPPAUSE_OIDC_SCOPES,
      name: e.LOOPPAUSE_OIDC_NAME ?? 'single sign-on',
      only: e.LOOPPAUSE_OIDC_ONLY,
    };
  }
  if (e.REDIS_URL) {
    const { url, topology } = e.REDIS_URL;
    const minReplicas = e.LOOPPAUSE_REDIS_MIN_REPLICAS ?? (topology.kind === 'sentinel' ? 1 : 0);
    config.redis = { url, prefix: e.LOOPPAUSE_REDIS_PREFIX, topology, minReplicas };
  }
  if (e.LOOPPAUSE_SIGNING_SECRET) config.signingSecret = e.LOOPPAUSE_SIGNING_SECRET;
  if (e.SLACK_BOT_TOKEN && e.SLACK_SIGNING_SECRET) {
    config.slack = {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
      ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
    };
  }
  return { ok: true, config };
}

function crossVariableErrors(env: Record<string, string | undefined>): string[] {
  const errors: string[] = [];
  const bot = given(env.SLACK_BOT_TOKEN);
  const signing = given(env.SLACK_SIGNING_SECRET);
  if (env.NODE_ENV === 'production' && !given(env.LOOPPAUSE_SIGNING_SECRET)) {
    errors.push('LOOPPAUSE_SIGNING_SECRET: is required when NODE_ENV=production');
  }
  if (env.NODE_ENV === 'production' && !given(env.LOOPPAUSE_RECEIPT_KEY)) {
    errors.push(
      'LOOPPAUSE_RECEIPT_KEY: is required when NODE_ENV=production (an Ed25519 private key: a JWK, or a PKCS#8 PEM from `openssl genpkey -algorithm ed25519`)',
    );
  }
  if (bot && !signing) errors.push('SLACK_SIGNING_SECRET: is required when SLACK_BOT_TOKEN is set');
  if (signing && !bot) errors.push('SLACK_BOT_TOKEN: is required when SLACK_SIGNING_SECRET is set');
  const oidc = ['LOOPPAUSE_OIDC_ISSUER', 'LOOPPAUSE_OIDC_CLIENT_ID', 'LOOPPAUSE_OIDC_CLIENT_SECRET'] as const;
  const oidcGiven = oidc.filter((name) => given(env[name]) !== undefined);
  if (oidcGiven.length > 0) {
    for (const name of oidc) {
      if (!oidcGiven.includes(name)) errors.push(`${name}: is required when ${oidcGiven[0]} is set (OIDC sign-in)`);
    }
  } else {
    for (const name of ['LOOPPAUSE_OIDC_SCOPES', 'LOOPPAUSE_OIDC_NAME'] as const) {
      if (given(env[name])) errors.push(`${name}: needs LOOPPAUSE_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET`);
    }
    if (/^(true|1)$/.test(given(env.LOOPPAUSE_OIDC_ONLY) ?? '')) {
      errors.push(
        'LOOPPAUSE_OIDC_ONLY: needs LOOPPAUSE_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET (nobody could sign in otherwise)',
      );
    }
  }
  if (given(env.SLACK_APP_TOKEN) && !bot) {
    errors.push('SLACK_APP_TOKEN: needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET too');
  }
  return errors;
}

/**
 * `name:key`, `name:key:owner`, `name:key:owner:admin` or `name:key::admin`, comma-separated.
 * Messages name the entry by position (and by name once the name is known), never its key or
 * owner: a key that holds a colon would otherwise leak its tail as the "owner".
 */
function parseApiKeys(raw: string | undefined, errors: string[]): ApiKeyConfig[] {
  if (!raw) return [];
  const keys: ApiKeyConfig[] = [];
  for (const [i, entry] of raw.split(',').entries()) {
    const where = `LOOPPAUSE_API_KEYS: entry ${i + 1}`;
    const [name = '', key = '', owner, admin, ...rest] = entry.trim().split(':');
    if (!isKeyName(name) || key.length < 16) {
      errors.push(
        `${where} must be name:key, name:key:owner or name:key:owner:admin ` +
          '(name of letters, digits, . _ -; key of 16+ characters, no ":")',
      );
      continue;
    }
    if (rest.length > 0) {
      errors.push(`${where} (${name}) has too many ":" parts (name:key:owner:admin at most; keys may not hold ":")`);
      continue;
    }
    if (admin !== undefined && admin !== 'admin') {
      errors.push(`${where} (${name}): the part after the owner may only be "admin"`);
      continue;
    }
    if (owner !== undefined && owner === '' && admin === undefined) {
      errors.push(`${where} (${name}) ends in ":": give an owner after it, or leave the colon out`);
      continue;
    }
    if (owner && !isHumanId(owner)) {
      errors.push(`${where} (${name}): the owner ${HUMAN_RULE}`);
      continue;
    }
    if (keys.some((k) => k.name === name)) {
      // The name is the agent identity that scopes pauses: two keys with one name would share them.
      errors.push(`${where} repeats the name ${name}; names must be unique`);
      continue;
    }
    keys.push({ name, key, admin: admin === 'admin', ...(owner ? { owner } : {}) });
  }
  return keys;
}

/** Reads the process environment; exits with one line per bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = parseConfig(env);
  if (result.ok) return result.config;
  for (const line of result.errors) process.stderr.write(`config error: ${line}\n`);
  process.exit(1);
}

/** The stdio proxy (`looppause-mcp`): where the service is and which key to use. */
export interface ProxyConfig {
  apiUrl: string;
  apiKey: string;
}

const proxySchema = z.object({
  LOOPPAUSE_API_KEY: z
    .string({ error: 'is required: the API key of your LoopPause service' })
    .trim()
    .min(1, 'is required: the API key of your LoopPause service'),
  LOOPPAUSE_API_URL: z
    .string()
    .trim()
    .default('http://localhost:3000')
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v), 'must be an http(s) URL'),
});

export function parseProxyConfig(env: Record<string, string | undefined>): ConfigResult<ProxyConfig> {
  const parsed = proxySchema.safeParse(env);
  if (!parsed.success)
    return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  return {
    ok: true,
    config: { apiKey: parsed.data.LOOPPAUSE_API_KEY, apiUrl: parsed.data.LOOPPAUSE_API_URL.replace(/\/+$/, '') },
  };
}

export function loadProxyConfig(env: Record<string, string | undefined> = process.env): ProxyConfig {
  const result = parseProxyConfig(env);
  if (result.ok) return result.config;
  for (const line of result.errors) process.stderr.write(`looppause-mcp: ${line}\n`);
  process.exit(1);
}

/**
 * By default only proxies on loopback and private networks are believed (a load balancer in front
 * of the replicas): a client on the internet cannot choose its own address with X-Forwarded-For.
 */
function trustProxySetting(value: string | undefined): number | string[] {
  const text = value?.trim() ?? '';
  if (text === '') return ['loopback', 'linklocal', 'uniquelocal'];
  if (/^\d+$/.test(text)) return Number(text);
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}
