import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Logger } from 'pino';
import { parseProxyConfig } from '../config.js';
import { errorSummary } from '../domain/errors.js';
import { LocalGateway, localGatewayServer } from '../gateway/local.js';
import { Upstream } from '../gateway/upstream.js';

const USAGE = 'usage: looppause gateway [--name NAME] -- <command> [args…]';
/** The same rule as a gateway file's server names: the name is part of every tool's (`mcp__<name>__<tool>`). */
const SERVER_NAME = /^[a-z0-9](?:[a-z0-9-]|_(?!_)){0,39}$/;
const DEFAULT_WAIT_SECONDS = 300;
/** The service holds a tool call at most this long (LOOPPAUSE_HOOK_WAIT_SECONDS' own limit). */
const MAX_WAIT_SECONDS = 540;
/** Beyond the wait, how long the service's answer may take before the call is given up. */
const TIMEOUT_MARGIN_SECONDS = 20;

export interface GatewayArgs {
  name: string;
  command: string;
  args: string[];
}

/** `[--name NAME] [--] <command> [args…]`, or why not. Options end at `--` or at the command. */
export function parseGatewayArgs(argv: readonly string[]): GatewayArgs | { error: string } {
  let name = 'local';
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-')) break;
    if (arg === '--name' || arg.startsWith('--name=')) {
      const value = arg === '--name' ? argv[++i] : arg.slice('--name='.length);
      if (value === undefined) return { error: '--name: give a name' };
      name = value;
      continue;
    }
    return { error: `unknown option ${JSON.stringify(arg)}` };
  }
  if (!SERVER_NAME.test(name)) {
    return {
      error: `--name: ${JSON.stringify(name.slice(0, 60))} must be 1–40 of a–z 0–9 - _ (no "__"), starting with a letter or digit`,
    };
  }
  const [command, ...args] = argv.slice(i);
  if (command === undefined || command === '') return { error: 'which MCP server? give its command after --' };
  return { name, command, args };
}

/** A number of seconds from an environment variable, within 0…max. */
function seconds(env: Record<string, string | undefined>, name: string, max: number): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > max) {
    throw new Error(
      `${name}: must be a number of seconds from 0 to ${max} (it is ${JSON.stringify(text.slice(0, 40))})`,
    );
  }
  return value;
}

/** The wrapped server's environment: this process's, without LoopPause's own variables (its API key above all). */
function upstreamEnv(env: Record<string, string | undefined>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !key.startsWith('LOOPPAUSE_')) kept[key] = value;
  }
  return kept;
}

/** Upstream logs a few warnings; here they are lines on stderr (stdout is the MCP channel). */
function stderrLogger(log: (message: string) => void): Logger {
  const write = (fields: unknown, message?: string) =>
    log(typeof fields === 'string' ? fields : `${message ?? ''} ${JSON.stringify(fields)}`.trim());
  const logger: Record<string, unknown> = {};
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace']) logger[level] = write;
  logger.child = () => logger;
  return logger as unknown as Logger;
}

/**
 * `looppause gateway -- <command> [args…]` (also `npx -y @looppause/mcp gateway -- …`): an MCP
 * server on stdio for the agent, in front of the stdio MCP server `<command>` starts. Its tools are
 * listed as the wrapped server lists them; each call is judged by the LoopPause service
 * (LOOPPAUSE_API_URL, LOOPPAUSE_API_KEY) as `mcp__<name>__<tool>`, and forwarded only when allowed
 * (an approval with a receipt that verifies against the service's keys). Our own messages go to
 * stderr. Resolves with the exit code when the agent closes stdin.
 */
export async function gatewayCommand(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const log = (message: string) => process.stderr.write(`looppause gateway: ${message}\n`);
  const parsed = parseGatewayArgs(argv);
  if ('error' in parsed) {
    log(`${parsed.error}\n${USAGE}`);
    return 2;
  }
  const config = parseProxyConfig(env);
  let waitSeconds: number;
  let timeoutMs: number;
  try {
    if (!config.ok) throw new Error(config.errors.join('; '));
    waitSeconds = seconds(env, 'LOOPPAUSE_GATEWAY_WAIT_SECONDS', MAX_WAIT_SECONDS) ?? DEFAULT_WAIT_SECONDS;
    timeoutMs =
      (seconds(env, 'LOOPPAUSE_GATEWAY_TIMEOUT_SECONDS', 3600) ?? waitSeconds + TIMEOUT_MARGIN_SECONDS) * 1000;
  } catch (error) {
    log((error as Error).message);
    return 1;
  }
  const { apiUrl, apiKey } = config.config;

  process.on('uncaughtException', (error) => log(`unexpected error: ${errorSummary(error)}`));
  process.on('unhandledRejection', (error) => log(`unexpected rejection: ${errorSummary(error)}`));

  const upstream = new Upstream(
    { kind: 'stdio', name: parsed.name, command: parsed.command, args: parsed.args, env: upstreamEnv(env) },
    stderrLogger(log),
  );
  const gateway = new LocalGateway(upstream, { apiUrl, apiKey, waitSeconds, timeoutMs, cwd: process.cwd() });
  const server = localGatewayServer(gateway, log);
  server.onerror = (error) => log(`protocol error: ${errorSummary(error)}`);

  const ended = new Promise<void>((resolve) => {
    process.stdin.on('end', resolve);
    process.stdin.on('close', resolve);
    server.onclose = resolve;
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.connect(new StdioServerTransport());
  // Start the wrapped server now: its first tools/list is then quick, and a command that cannot start says so here.
  upstream.listTools().catch((error: unknown) => log(error instanceof Error ? error.message : String(error)));
  await ended;
  await upstream.close();
  await server.close().catch(() => undefined);
  return 0;
}
