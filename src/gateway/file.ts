import { parseDocument } from 'yaml';
import { z } from 'zod';
import { sha256Hex } from '../domain/hash.js';

/**
 * LOOPPAUSE_GATEWAY_FILE: the MCP servers LoopPause fronts. Each upstream is reached over
 * Streamable HTTP (`url`, `headers`) or started as a child process speaking stdio (`command`,
 * `args`, `env`). `${VAR}` in a URL, header, argument or env value is the gateway's own environment
 * variable: credentials stay with the gateway and never reach the agent.
 */

/** A server's name is part of its tools' names (`mcp__<name>__<tool>`): no `__` inside. */
const SERVER_NAME = /^[a-z0-9](?:[a-z0-9-]|_(?!_)){0,39}$/;
const MAX_SERVERS = 50;
const MAX_FILE_CHARS = 200_000;
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

const text = (max: number) => z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(max);

const httpServerSchema = z.strictObject({
  url: text(2000),
  headers: z.record(text(200), z.string({ error: 'must be a string' }).max(8000)).optional(),
});

const stdioServerSchema = z.strictObject({
  command: text(500),
  args: z
    .array(z.string({ error: 'must be a string' }).max(4000), { error: 'must be a list' })
    .max(100)
    .optional(),
  env: z.record(text(200), z.string({ error: 'must be a string' }).max(8000)).optional(),
  cwd: text(4096).optional(),
});

const gatewaySchema = z.strictObject(
  {
    servers: z
      .record(z.string(), z.unknown(), { error: 'must be a mapping of server name to server' })
      .refine((s) => Object.keys(s).length > 0, 'must name at least one server')
      .refine((s) => Object.keys(s).length <= MAX_SERVERS, `must name at most ${MAX_SERVERS} servers`),
  },
  // Only for a file that is not a mapping: an unknown key keeps zod's message, which names it.
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be a mapping with servers:' : undefined) },
);

export interface HttpUpstream {
  kind: 'http';
  name: string;
  url: URL;
  headers: Record<string, string>;
}

export interface StdioUpstream {
  kind: 'stdio';
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

export type UpstreamConfig = HttpUpstream | StdioUpstream;

export interface GatewayConfig {
  /** sha256 of the file's text, logged so operators see which version every replica runs. */
  digest: string;
  servers: Map<string, UpstreamConfig>;
}

export type ParseGatewayResult = { ok: true; gateway: GatewayConfig } | { ok: false; errors: string[] };

/** Reads a gateway file's text; every problem names its place (`servers.github.url: …`). Never throws. */
export function parseGateway(source: string, env: (name: string) => string | undefined): ParseGatewayResult {
  if (source.length > MAX_FILE_CHARS)
    return { ok: false, errors: [`gateway: larger than ${MAX_FILE_CHARS} characters`] };
  const doc = parseDocument(source, { uniqueKeys: true });
  if (doc.errors.length > 0)
    return { ok: false, errors: doc.errors.map((e) => `gateway: ${e.message.split('\n')[0]}`) };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 20 });
  } catch (error) {
    return { ok: false, errors: [`gateway: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const top = gatewaySchema.safeParse(data);
  if (!top.success)
    return { ok: false, errors: top.error.issues.map((i) => `${place(['gateway', ...i.path])}: ${i.message}`) };
  const errors: string[] = [];
  const servers = new Map<string, UpstreamConfig>();
  for (const [name, raw] of Object.entries(top.data.servers)) {
    const at = `servers.${name}`;
    if (!SERVER_NAME.test(name)) {
      errors.push(
        `${at}: the name must be 1–40 lower-case letters, digits, - or single _ (it becomes mcp__${name}__<tool>)`,
      );
      continue;
    }
    const expand = (value: string, where: string): string =>
      value.replace(REFERENCE, (_match, variable: string) => {
        const found = env(variable);
        if (found === undefined) errors.push(`${where}: \${${variable}} is not set in the gateway's environment`);
        return found ?? '';
      });
    const isHttp = typeof raw === 'object' && raw !== null && 'url' in raw;
    if (isHttp) {
      const parsed = httpServerSchema.safeParse(raw);
      if (!parsed.success) {
        errors.push(...parsed.error.issues.map((i) => `${place([at, ...i.path])}: ${i.message}`));
        continue;
      }
      const url = URL.canParse(expand(parsed.data.url, `${at}.url`))
        ? new URL(expand(parsed.data.url, `${at}.url`))
        : undefined;
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        errors.push(`${at}.url: must be an http:// or https:// URL`);
        continue;
      }
      const headers: Record<string, string> = {};
      for (const [header, value] of Object.entries(parsed.data.headers ?? {})) {
        headers[header] = expand(value, `${at}.headers.${header}`);
      }
      servers.set(name, { kind: 'http', name, url, headers });
    } else {
      const parsed = stdioServerSchema.safeParse(raw);
      if (!parsed.success) {
        const missing = typeof raw !== 'object' || raw === null || !('command' in raw);
        errors.push(
          ...(missing
            ? [`${at}: must give url (Streamable HTTP) or command (stdio)`]
            : parsed.error.issues.map((i) => `${place([at, ...i.path])}: ${i.message}`)),
        );
        continue;
      }
      const { command, args, env: childEnv, cwd } = parsed.data;
      servers.set(name, {
        kind: 'stdio',
        name,
        command: expand(command, `${at}.command`),
        args: (args ?? []).map((arg, i) => expand(arg, `${at}.args[${i}]`)),
        env: Object.fromEntries(
          Object.entries(childEnv ?? {}).map(([key, value]) => [key, expand(value, `${at}.env.${key}`)]),
        ),
        ...(cwd === undefined ? {} : { cwd }),
      });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, gateway: { digest: sha256Hex(source), servers } };
}

function place(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}
