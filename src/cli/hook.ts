import { parseProxyConfig } from '../config.js';
import { errorSummary, LoopPauseError } from '../domain/errors.js';
import { HOOK_ADAPTERS, type HookAdapter, hookAdapter, MAX_HOOK_BODY_BYTES } from '../hooks/index.js';
import { failureOf } from '../hooks/verdict.js';
import { askService, type ServiceAnswer, ServiceUnreachable } from '../lib/service-request.js';

const USAGE = `usage: looppause hook ${HOOK_ADAPTERS.map((a) => a.agent).join('|')}`;

/** The service holds a hook this long for a human unless LOOPPAUSE_HOOK_WAIT_SECONDS says otherwise. */
const DEFAULT_WAIT_SECONDS = 540;
/** Beyond the wait, how long the answer may take to arrive before the hook gives up (and denies). */
const TIMEOUT_MARGIN_SECONDS = 20;

export interface HookIO {
  stdin: AsyncIterable<Buffer | string>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
}

const processIO = (): HookIO => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  fetch,
});

/**
 * `looppause hook claude-code|cursor` (also `npx -y @looppause/mcp hook …`): a command hook that
 * fails closed. It reads the agent's hook input on stdin, asks the service
 * (`POST ${LOOPPAUSE_API_URL}/v1/hooks/<agent>` with LOOPPAUSE_API_KEY), waits, and prints the
 * service's answer. Whatever goes wrong — no key, the service unreachable or slow, a refused key,
 * an answer it cannot read, bad input — it prints a deny in the agent's format saying why, and for
 * Claude Code also writes the reason to stderr and exits 2, which blocks the tool whatever else
 * happens. It prints an allow only when the service sent one.
 */
export async function hookCommand(args: readonly string[], io: HookIO = processIO()): Promise<number> {
  const adapter = hookAdapter(args[0] ?? '');
  if (adapter === undefined || args.length > 1) {
    io.stderr.write(`looppause hook: which agent's hook? ${USAGE}\n`);
    return 2;
  }
  let event: string | undefined;
  try {
    const input = await readInput(io.stdin);
    const body = parseJson(input);
    event = adapter.eventOf(body);
    // Checked here first, so the reason names the field even when the service is down.
    adapter.read(body);
    const answer = await ask(adapter, event, input, io);
    io.stdout.write(`${JSON.stringify(answer)}\n`);
    return 0;
  } catch (error) {
    const known = error instanceof LoopPauseError ? error : HookError(`unexpected error: ${errorSummary(error)}`);
    const failure = failureOf(known, adapter, event);
    io.stdout.write(`${JSON.stringify(adapter.answer(event, failure))}\n`);
    if (adapter.failureExitCode === 2) io.stderr.write(`LoopPause: ${failure.failure}\n`);
    return adapter.failureExitCode;
  }
}

/** A failure the hook answers itself: its message is the reason the agent is given. */
const HookError = (message: string) => new LoopPauseError('unavailable', message);

async function readInput(stdin: HookIO['stdin']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stdin) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > MAX_HOOK_BODY_BYTES)
        throw HookError(`the hook input on stdin is larger than ${MAX_HOOK_BODY_BYTES} bytes`);
      chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof LoopPauseError) throw error;
    throw HookError(`cannot read the hook input on stdin (${(error as Error).message})`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw HookError(text.trim() === '' ? 'no hook input on stdin' : 'the hook input on stdin is not valid JSON');
  }
}

/** How long to wait and when to give up, from LOOPPAUSE_HOOK_WAIT_SECONDS and LOOPPAUSE_HOOK_TIMEOUT_SECONDS. */
function timing(env: HookIO['env']): { waitSeconds: number; timeoutMs: number } {
  const waitSeconds = seconds(env, 'LOOPPAUSE_HOOK_WAIT_SECONDS') ?? DEFAULT_WAIT_SECONDS;
  const timeoutSeconds = seconds(env, 'LOOPPAUSE_HOOK_TIMEOUT_SECONDS') ?? waitSeconds + TIMEOUT_MARGIN_SECONDS;
  return { waitSeconds, timeoutMs: timeoutSeconds * 1000 };
}

function seconds(env: HookIO['env'], name: string): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 3600)
    throw HookError(`${name}: must be a number of seconds from 0 to 3600 (it is ${JSON.stringify(text)})`);
  return value;
}

/** The service's answer to this hook input, checked to be one this agent's output allows. */
async function ask(
  adapter: HookAdapter,
  event: string | undefined,
  input: string,
  io: HookIO,
): Promise<Record<string, unknown>> {
  const config = parseProxyConfig(io.env);
  if (!config.ok) throw HookError(config.errors.join('; '));
  const { apiUrl, apiKey } = config.config;
  const { waitSeconds, timeoutMs } = timing(io.env);
  let answer: ServiceAnswer;
  try {
    answer = await askService({
      url: `${apiUrl}/v1/hooks/${adapter.agent}?wait=${waitSeconds}`,
      apiKey,
      body: input,
      timeoutMs,
      fetch: io.fetch,
    });
  } catch (error) {
    if (!(error instanceof ServiceUnreachable)) throw error;
    const reason = error.timedOut ? `${error.reason} (LOOPPAUSE_HOOK_TIMEOUT_SECONDS)` : error.reason;
    throw HookError(`cannot reach the LoopPause service at ${apiUrl} (${reason})`);
  }
  if (answer.status !== 200) throw HookError(`the LoopPause service answered HTTP ${answer.status}`);
  const checked = adapter.output.safeParse(answer.json);
  if (!checked.success || !adapter.answers(event, checked.data))
    throw HookError(
      `the LoopPause service's answer is not a ${adapter.agent} hook output for ${event ?? 'this event'}`,
    );
  return checked.data;
}
