import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolCallDigest } from '../../src/domain/tool-calls.js';
import { LocalGateway, type LocalUpstream } from '../../src/gateway/local.js';
import type { RunningService } from '../../src/main.js';
import { parseReceiptPrivateKey, publicJwkOf } from '../../src/receipts/keys.js';
import { runProcess } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { toolErrorText } from '../helpers/mcp-client.js';
import { signTestReceipt, testClaims, testReceiptKey } from '../helpers/receipt-keys.js';
import { startTestService, TEST_API_KEY, TEST_RECEIPT_KEY } from '../helpers/service.js';

const root = new URL('../..', import.meta.url).pathname;
const FILESYSTEM = join(root, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
const EVERYTHING = join(root, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const BINS = {
  'looppause-mcp': join(root, 'src/cli/looppause-mcp.ts'),
  looppause: join(root, 'src/cli/looppause.ts'),
};

const RULES = `
rules:
  - name: local-writes
    when: { tool: "mcp__local__write_file" }
    route: { email: ops@example.com }
`;

const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'local-gateway-'));
const served = join(tmp, 'served');
mkdirSync(served);
writeFileSync(join(served, 'notes.txt'), 'hello from the filesystem server');

const text = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;

interface Agent {
  client: Client;
  /** What the gateway wrote to stderr. */
  stderr: () => string;
  /** Anything the agent's client could not read on stdout (it must stay empty: stdout is the MCP channel). */
  errors: Error[];
}

const agents: Agent[] = [];
afterAll(async () => {
  await Promise.all(agents.map((a) => a.client.close()));
  rmSync(tmp, { recursive: true, force: true });
});

/** The agent: the SDK's own client, starting the local gateway as its stdio server, wrapping `upstream`. */
async function agent(
  env: Record<string, string>,
  options: { bin?: keyof typeof BINS; name?: string; upstream?: string[] } = {},
): Promise<Agent> {
  const upstream = options.upstream ?? [FILESYSTEM, served];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      BINS[options.bin ?? 'looppause-mcp'],
      'gateway',
      ...(options.name ? ['--name', options.name] : []),
      '--',
      process.execPath,
      ...upstream,
    ],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: 'agent', version: '1.0.0' });
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  const started = { client, stderr: () => stderr, errors };
  agents.push(started);
  return started;
}

/** The pending pause the service made for a write of `path`. */
function pendingWrite(svc: RunningService, path: string): Promise<string> {
  return eventually(async () => {
    const res = await fetch(`${svc.url}/v1/pauses?status=pending`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    for (const { pause_id } of ((await res.json()) as { items: Array<{ pause_id: string }> }).items) {
      const pause = await svc.service.get(pause_id);
      if (pause?.tool_call?.tool === 'mcp__local__write_file' && pause.tool_call.input.path === path) return pause_id;
    }
    return undefined;
  });
}

/** Who decides in these tests: the approver the policy routes to, by e-mail. */
const OPS = { responder: 'ops@example.com', channel: 'email' as const, identities: ['ops@example.com'] };

describe('the local gateway against a running service', () => {
  let svc: RunningService;
  let env: Record<string, string>;

  beforeAll(async () => {
    writeFileSync(join(tmp, 'policy.yaml'), `gateway_default_route: { email: ops@example.com }\n${RULES}`);
    svc = await startTestService({ LOOPPAUSE_POLICY_FILE: join(tmp, 'policy.yaml') });
    env = { LOOPPAUSE_API_URL: svc.url, LOOPPAUSE_API_KEY: TEST_API_KEY, LOOPPAUSE_GATEWAY_WAIT_SECONDS: '60' };
  });
  afterAll(async () => {
    await svc?.close();
  });

  it("lists the wrapped server's tools with their annotations", async () => {
    const { client, errors } = await agent(env);
    expect(client.getServerVersion()?.name).toBe('looppause-gateway-local');
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'write_file')?.annotations?.readOnlyHint).toBe(false);
    expect(tools.find((t) => t.name === 'read_text_file')?.annotations?.readOnlyHint).toBe(true);
    expect(errors).toEqual([]);
  });

  it('a read-only tool no rule names passes at once', async () => {
    const { client, errors } = await agent(env);
    const result = await client.callTool({ name: 'read_text_file', arguments: { path: join(served, 'notes.txt') } });
    expect(text(result)).toBe('hello from the filesystem server');
    expect(errors).toEqual([]);
  });

  it('a write waits for a human, with progress; approved, it is written once; the same call again asks again', async () => {
    const { client, errors } = await agent(env);
    const target = join(served, 'approved.txt');
    const args = { path: target, content: 'written after approval' };
    const progress: Progress[] = [];
    const call = client.callTool({ name: 'write_file', arguments: args }, undefined, {
      onprogress: (p) => progress.push(p),
      resetTimeoutOnProgress: true,
    });
    const pauseId = await pendingWrite(svc, target);
    const pause = await svc.service.get(pauseId);
    expect(pause?.action_digest).toBe(toolCallDigest({ tool: 'mcp__local__write_file', input: args }));
    expect(pause?.tool_call?.source).toBe('gateway');
    // Every 10 s while the service holds the call: the first one comes before anyone decides.
    await eventually(() => (progress.length > 0 ? true : undefined), 20_000);
    expect(progress[0]?.message).toMatch(/waiting for LoopPause/);
    expect(existsSync(target)).toBe(false);

    await svc.service.decide(pauseId, { decision: 'approved', comment: '', ...OPS });
    const result = await call;
    expect(result.isError, text(result)).not.toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('written after approval');

    // The approval was used: the same call is a new question, and calling again re-attaches to it.
    rmSync(target);
    const quick = await agent({ ...env, LOOPPAUSE_GATEWAY_WAIT_SECONDS: '0' });
    const again = toolErrorText(await quick.client.callTool({ name: 'write_file', arguments: args }));
    const [, second] = /approval pending \(pause (pse_[A-Za-z0-9_-]+)\): call again to keep waiting/.exec(again) ?? [];
    expect(second).toBeDefined();
    expect(second).not.toBe(pauseId);
    expect(toolErrorText(await quick.client.callTool({ name: 'write_file', arguments: args }))).toContain(
      `pause ${second}`,
    );
    expect(existsSync(target)).toBe(false);
    expect([...errors, ...quick.errors]).toEqual([]);
  }, 60_000);

  it('rejected: a tool error with the comment, and nothing is written', async () => {
    const { client } = await agent(env);
    const target = join(served, 'rejected.txt');
    const call = client.callTool({ name: 'write_file', arguments: { path: target, content: 'no' } });
    await svc.service.decide(await pendingWrite(svc, target), {
      decision: 'rejected',
      comment: 'not this file',
      ...OPS,
    });
    const error = toolErrorText(await call);
    expect(error).toContain('not this file');
    expect(existsSync(target)).toBe(false);
  });

  it('an unmatched tool that is not read-only is routed by gateway_default_route', async () => {
    const { client } = await agent({ ...env, LOOPPAUSE_GATEWAY_WAIT_SECONDS: '0' });
    const dir = join(served, 'routed');
    expect(toolErrorText(await client.callTool({ name: 'create_directory', arguments: { path: dir } }))).toMatch(
      /approval pending \(pause pse_/,
    );
    expect(existsSync(dir)).toBe(false);
  });

  it("--name names the tools for the policy; the wrapped server gets the environment but not LoopPause's key", async () => {
    const { client } = await agent(
      { ...env, LOOPPAUSE_GATEWAY_WAIT_SECONDS: '0', UPSTREAM_SETTING: 'kept-for-the-server' },
      { name: 'everything', upstream: [EVERYTHING, 'stdio'] },
    );
    const printed = text(await client.callTool({ name: 'get-env', arguments: {} }));
    expect(printed).toContain('kept-for-the-server');
    expect(printed).not.toContain(TEST_API_KEY);
    // Not read-only, and no rule names mcp__everything__*: routed by gateway_default_route under that name.
    const error = toolErrorText(await client.callTool({ name: 'toggle-simulated-logging', arguments: {} }));
    const pauseId = /pause (pse_[A-Za-z0-9_-]+)/.exec(error)?.[1] ?? '';
    expect((await svc.service.get(pauseId))?.tool_call?.tool).toBe('mcp__everything__toggle-simulated-logging');
  });

  it('`looppause gateway` in the server package is the same command', async () => {
    const { client } = await agent(env, { bin: 'looppause' });
    const result = await client.callTool({ name: 'read_text_file', arguments: { path: join(served, 'notes.txt') } });
    expect(text(result)).toBe('hello from the filesystem server');
  });
});

describe('the local gateway without gateway_default_route', () => {
  let svc: RunningService;
  beforeAll(async () => {
    writeFileSync(join(tmp, 'rules-only.yaml'), RULES);
    svc = await startTestService({ LOOPPAUSE_POLICY_FILE: join(tmp, 'rules-only.yaml') });
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('refuses a tool that is not read-only when no rule names it; read-only still passes', async () => {
    const { client } = await agent({ LOOPPAUSE_API_URL: svc.url, LOOPPAUSE_API_KEY: TEST_API_KEY });
    const dir = join(served, 'refused');
    expect(toolErrorText(await client.callTool({ name: 'create_directory', arguments: { path: dir } }))).toMatch(
      /gateway_default_route is not set/,
    );
    expect(existsSync(dir)).toBe(false);
    const read = await client.callTool({ name: 'read_text_file', arguments: { path: join(served, 'notes.txt') } });
    expect(text(read)).toBe('hello from the filesystem server');
  });

  it('a wrong API key: a tool error, nothing forwarded', async () => {
    const { client } = await agent({ LOOPPAUSE_API_URL: svc.url, LOOPPAUSE_API_KEY: 'not-a-key-0123456789' });
    const target = join(served, 'wrong-key.txt');
    const error = toolErrorText(
      await client.callTool({ name: 'write_file', arguments: { path: target, content: 'x' } }),
    );
    expect(error).toMatch(/HTTP 401/);
    expect(existsSync(target)).toBe(false);
  });
});

describe('the local gateway fails closed', () => {
  it('the service is down: every call is a tool error, read-only ones too, and nothing is forwarded', async () => {
    const { client, stderr } = await agent({
      // The discard port: nothing answers there.
      LOOPPAUSE_API_URL: 'http://127.0.0.1:9',
      LOOPPAUSE_API_KEY: TEST_API_KEY,
    });
    // The tools are the wrapped server's own: listing needs no service.
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('write_file');
    const target = join(served, 'down.txt');
    expect(
      toolErrorText(await client.callTool({ name: 'write_file', arguments: { path: target, content: 'x' } })),
    ).toMatch(/cannot reach the LoopPause service .*not forwarded/);
    expect(
      toolErrorText(await client.callTool({ name: 'read_text_file', arguments: { path: join(served, 'notes.txt') } })),
    ).toMatch(/cannot reach/);
    expect(existsSync(target)).toBe(false);
    expect(stderr()).not.toContain(TEST_API_KEY);
  });

  it('bad command lines and environments exit with the reason on stderr', async () => {
    const run = (args: string[], env: Record<string, string> = { LOOPPAUSE_API_KEY: 'k' }) =>
      runProcess(process.execPath, ['--import', 'tsx', BINS['looppause-mcp'], 'gateway', ...args], env);
    const noCommand = await run(['--']);
    expect(noCommand).toMatchObject({ code: 2, stdout: '' });
    expect(noCommand.stderr).toMatch(/give its command after --/);
    expect((await run(['--verbose', '--', 'x'])).stderr).toMatch(/unknown option "--verbose"/);
    expect((await run(['--name', 'a__b', '--', 'x'])).stderr).toMatch(/--name: "a__b"/);
    const noKey = await run(['--', 'x'], {});
    expect(noKey).toMatchObject({ code: 1, stdout: '' });
    expect(noKey.stderr).toMatch(/LOOPPAUSE_API_KEY/);
    expect((await run(['--', 'x'], { LOOPPAUSE_API_KEY: 'k', LOOPPAUSE_GATEWAY_WAIT_SECONDS: '600' })).stderr).toMatch(
      /LOOPPAUSE_GATEWAY_WAIT_SECONDS: must be a number of seconds from 0 to 540/,
    );
  });
});

/** The service's receipt key pair (the test services sign with TEST_RECEIPT_KEY). */
const serviceKey = parseReceiptPrivateKey(TEST_RECEIPT_KEY);
const serviceJwk = publicJwkOf(serviceKey);
const otherKey = testReceiptKey();

function receipt(
  claims: Record<string, unknown>,
  key: { privateKey: typeof serviceKey; kid: string } = { privateKey: serviceKey, kid: serviceJwk.kid },
) {
  return signTestReceipt(key.privateKey, claims, { kid: key.kid });
}

describe('the local gateway against a service that answers allow with a bad receipt', () => {
  let fake: Server;
  let answer: (body: Record<string, unknown>) => { status: number; body: unknown } | undefined;
  const requests: Array<{ path: string; authorization: string | undefined; body: Record<string, unknown> }> = [];
  let client: Client;

  beforeAll(async () => {
    fake = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => {
        raw += chunk.toString();
      });
      req.on('end', () => {
        const body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
        requests.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
        if (req.url === '/.well-known/jwks.json') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [serviceJwk] }));
          return;
        }
        const reply = answer(body);
        if (reply === undefined) return; // never answers
        res
          .writeHead(reply.status, { 'content-type': 'application/json' })
          .end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    ({ client } = await agent({
      LOOPPAUSE_API_URL: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`,
      LOOPPAUSE_API_KEY: TEST_API_KEY,
      LOOPPAUSE_GATEWAY_TIMEOUT_SECONDS: '2',
    }));
  });
  afterAll(async () => {
    fake.closeAllConnections();
    await new Promise((resolve) => fake.close(resolve));
  });

  /** Calls write_file of a new file with the fake's `reply`: true when the file was written. */
  async function writes(
    name: string,
    reply: (args: Record<string, unknown>) => { status: number; body: unknown } | undefined,
  ): Promise<{ written: boolean; result: CallToolResult }> {
    const args = { path: join(served, `${name}.txt`), content: name };
    answer = () => reply(args);
    const result = (await client.callTool({ name: 'write_file', arguments: args })) as CallToolResult;
    return { written: existsSync(args.path), result };
  }

  const allowWith = (token: string | undefined, pauseId = 'pse_fake') => ({
    status: 200,
    body: {
      decision: 'allow',
      pause_id: pauseId,
      ...(token === undefined ? {} : { response: { decision: 'approved', receipt: token } }),
    },
  });
  const claimsFor = (args: Record<string, unknown>, overrides: Record<string, unknown> = {}) => ({
    ...testClaims('pse_fake'),
    action_digest: toolCallDigest({ tool: 'mcp__local__write_file', input: args }),
    ...overrides,
  });

  it('a receipt signed by the service key for exactly this call is forwarded (the control)', async () => {
    const { written, result } = await writes('control', (args) => allowWith(receipt(claimsFor(args))));
    expect(result.isError, text(result)).not.toBe(true);
    expect(written).toBe(true);
    const asked = requests.find((r) => r.path.startsWith('/v1/tool-calls'));
    expect(asked?.path).toBe('/v1/tool-calls?wait=300');
    expect(asked?.authorization).toBe(`Bearer ${TEST_API_KEY}`);
    expect(asked?.body).toMatchObject({
      tool: 'mcp__local__write_file',
      input: { path: join(served, 'control.txt'), content: 'control' },
      gateway: { read_only: false },
    });
  });

  it('refuses receipts that do not bind this approval to this call, and writes nothing', async () => {
    const cases: Array<[string, (args: Record<string, unknown>) => { status: number; body: unknown }, RegExp]> = [
      [
        'other-key-same-kid',
        (args) => allowWith(receipt(claimsFor(args), { privateKey: otherKey.privateKey, kid: serviceJwk.kid })),
        /bad_signature/,
      ],
      [
        'other-key-own-kid',
        (args) => allowWith(receipt(claimsFor(args), { privateKey: otherKey.privateKey, kid: otherKey.jwk.kid })),
        /unknown_kid/,
      ],
      [
        'other-arguments',
        (args) => allowWith(receipt(claimsFor({ ...args, content: 'what was approved' }))),
        /wrong_action/,
      ],
      ['other-pause', (args) => allowWith(receipt(claimsFor(args, { sub: 'pse_other' }))), /wrong_pause/],
      ['rejected', (args) => allowWith(receipt(claimsFor(args, { decision: 'rejected' }))), /does not approve/],
      ['expired', (args) => allowWith(receipt(claimsFor(args, { iat: 1_000_000, exp: 1_000_600 }))), /expired/],
      ['no-receipt', () => allowWith(undefined), /no receipt/],
      ['garbage-receipt', () => allowWith('not.a.receipt'), /does not verify/],
      ['no-pause', () => ({ status: 200, body: { decision: 'allow' } }), /not read-only/],
      ['http-500', () => ({ status: 500, body: { error: { message: 'boom' } } }), /HTTP 500: boom/],
      ['not-json', () => ({ status: 200, body: 'allow' }), /not a tool-call decision/],
      ['unknown-decision', () => ({ status: 200, body: { decision: 'yes' } }), /not a tool-call decision/],
    ];
    for (const [name, reply, reason] of cases) {
      const { written, result } = await writes(name, reply);
      expect(written, name).toBe(false);
      expect(toolErrorText(result), name).toMatch(reason);
    }
    // The unknown kid made the gateway read the keys again, once; the others used the cached set.
    expect(requests.filter((r) => r.path === '/.well-known/jwks.json')).toHaveLength(2);
  });

  it('a service that does not answer in time: a tool error, nothing written', async () => {
    const { written, result } = await writes('timeout', () => undefined);
    expect(written).toBe(false);
    expect(toolErrorText(result)).toMatch(/no answer within 2 s/);
  });
});

describe('LocalGateway (fast-check): no answer the service could send forwards a call it did not approve', () => {
  const input = { path: '/srv/a.txt', content: 'x' };
  const digest = toolCallDigest({ tool: 'mcp__local__write_file', input });

  const claimSet = fc.record({
    sub: fc.constantFrom('pse_a', 'pse_b'),
    action_digest: fc.constantFrom(
      digest,
      toolCallDigest({ tool: 'mcp__local__write_file', input: { ...input, content: 'y' } }),
      toolCallDigest({ tool: 'mcp__other__write_file', input }),
    ),
    decision: fc.constantFrom('approved', 'rejected'),
    expired: fc.boolean(),
    signer: fc.constantFrom('service', 'other', 'other-as-service'),
  });
  const answer = fc.oneof(
    fc.record(
      {
        decision: fc.constantFrom('allow', 'deny', 'ask', 'pending', 'approved', ''),
        pause_id: fc.constantFrom('pse_a', 'pse_b', ''),
        receipt: fc.oneof(claimSet, fc.string(), fc.constant(undefined)),
      },
      { requiredKeys: ['decision'] },
    ),
    fc.anything(),
  );

  function bodyOf(value: unknown): unknown {
    if (typeof value !== 'object' || value === null || !('decision' in value)) return value;
    const { receipt: r, ...rest } = value as { receipt?: unknown };
    if (typeof r !== 'object' || r === null) return r === undefined ? rest : { ...rest, response: { receipt: r } };
    const c = r as { sub: string; action_digest: string; decision: string; expired: boolean; signer: string };
    const claims = {
      ...testClaims(c.sub, c.expired ? -60 : 600),
      action_digest: c.action_digest,
      decision: c.decision,
    };
    const key =
      c.signer === 'service'
        ? { privateKey: serviceKey, kid: serviceJwk.kid }
        : { privateKey: otherKey.privateKey, kid: c.signer === 'other' ? otherKey.jwk.kid : serviceJwk.kid };
    return { ...rest, response: { receipt: receipt(claims, key) } };
  }

  function approves(value: unknown, readOnly: boolean): boolean {
    if (typeof value !== 'object' || value === null || !('decision' in value)) return false;
    const a = value as { decision: string; pause_id?: string; receipt?: unknown };
    if (a.decision !== 'allow') return false;
    if (a.pause_id === undefined) return readOnly;
    const r = a.receipt as {
      sub?: string;
      action_digest?: string;
      decision?: string;
      expired?: boolean;
      signer?: string;
    };
    return (
      typeof r === 'object' &&
      r !== null &&
      // A receipt the service signed for the pause it names, for exactly this call.
      r.sub === a.pause_id &&
      r.action_digest === digest &&
      r.decision === 'approved' &&
      r.expired === false &&
      r.signer === 'service'
    );
  }

  it('forwards exactly when the answer is an allow a real approval backs', async () => {
    await fc.assert(
      fc.asyncProperty(answer, fc.boolean(), async (value, readOnly) => {
        let forwarded = 0;
        const upstream: LocalUpstream = {
          name: 'local',
          listTools: async () => [],
          tool: async (name) => ({ tool: { name, inputSchema: { type: 'object' } }, readOnly }),
          callTool: async () => {
            forwarded++;
            return { content: [{ type: 'text', text: 'done' }] };
          },
        };
        const fetchFake = (async (url: string | URL | Request) =>
          String(url).endsWith('/.well-known/jwks.json')
            ? new Response(JSON.stringify({ keys: [serviceJwk] }))
            : new Response(JSON.stringify(bodyOf(value)) ?? '')) as typeof fetch;
        const gateway = new LocalGateway(upstream, {
          apiUrl: 'http://looppause.test',
          apiKey: 'k',
          waitSeconds: 0,
          timeoutMs: 1000,
          fetch: fetchFake,
        });
        const result = await gateway.callTool('write_file', input);
        expect(forwarded).toBe(approves(value, readOnly) ? 1 : 0);
        expect(result.isError === true).toBe(forwarded === 0);
      }),
      { numRuns: 300 },
    );
  });
});
