// biome-ignore-all lint/suspicious/noTemplateCurlyInString: gateway files write ${VAR} references literally
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGateway } from '../../src/gateway/file.js';
import type { RunningService } from '../../src/main.js';
import { eventually } from '../helpers/eventually.js';
import { type HttpUpstream, startHttpUpstream } from '../helpers/http-upstream.js';
import { startTestService } from '../helpers/service.js';
import { gatewayPost } from './agent.js';

const TOKEN = 'records-token-0123456789';
const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'gateway-file-'));

const listTools = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };

/** Starts a service on this gateway file text; resolves with the error start-up stopped with. */
async function startUpError(text: string, env: Record<string, string> = {}): Promise<string> {
  const file = join(tmp, `broken-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  let svc: RunningService | undefined;
  try {
    svc = await startTestService({ LOOPPAUSE_GATEWAY_FILE: file, ...env });
  } catch (error) {
    return String(error);
  }
  await svc.close();
  throw new Error('the service started on a broken gateway file');
}

describe('a broken gateway file stops start-up, naming the place', () => {
  it.each([
    ['an unknown key in a server', 'servers:\n  files: { command: node, argz: [x] }\n', /servers\.files.*argz/],
    ['an unknown top-level key', 'servers:\n  files: { command: node }\nupstreams: {}\n', /gateway.*upstreams/],
    ['a server name with __', 'servers:\n  my__files: { command: node }\n', /servers\.my__files: the name must be/],
    ['a server name in capitals', 'servers:\n  Files: { command: node }\n', /servers\.Files: the name must be/],
    ['neither url nor command', 'servers:\n  files: { args: [x] }\n', /servers\.files: must give url .* or command/],
    [
      'a ${VAR} that is not set',
      'servers:\n  gh: { url: "https://example.com/mcp", headers: { Authorization: "Bearer ${NOT_SET_ANYWHERE}" } }\n',
      /servers\.gh\.headers\.Authorization: \$\{NOT_SET_ANYWHERE\} is not set/,
    ],
    [
      'a non-http URL',
      'servers:\n  gh: { url: "file:///etc/passwd" }\n',
      /servers\.gh\.url: must be an http:\/\/ or https:\/\//,
    ],
    ['a URL that is not one', 'servers:\n  gh: { url: "not a url" }\n', /servers\.gh\.url: must be an http/],
    ['no servers', 'servers: {}\n', /gateway\.servers: must name at least one server/],
    ['not YAML', 'servers: [\n', /gateway: /],
  ])('%s', async (_what, text, expected) => {
    const error = await startUpError(text);
    expect(error).toContain('gateway file');
    expect(error).toMatch(expected);
  });

  it('a ${VAR} that is set is used, and an unset one in args is named by its index', () => {
    const parsed = parseGateway('servers:\n  f: { command: node, args: [ok, "${HOME_DIR}", "${MISSING}"] }\n', (n) =>
      n === 'HOME_DIR' ? '/srv' : undefined,
    );
    expect(parsed).toEqual({
      ok: false,
      errors: ["servers.f.args[2]: ${MISSING} is not set in the gateway's environment"],
    });
  });

  it('any text: the parser answers ok or errors that each name a place, and never throws', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        'servers:',
        '  a:',
        '  b__c:',
        ' url: ',
        ' command: ',
        'headers:',
        '${X}',
        'http://h',
        '{',
        '}',
        '[',
        '&a',
        '*a',
        '\n',
        ': ',
      ),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const parsed = parseGateway(parts.join(''), (n) => (n === 'X' ? 'x' : undefined));
        if (!parsed.ok) {
          expect(parsed.errors.length).toBeGreaterThan(0);
          for (const error of parsed.errors) expect(error).toMatch(/^(gateway|servers\.)[^:]*:/);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('the gateway file reloaded', () => {
  const file = join(tmp, 'gateway.yaml');
  const logs: string[] = [];
  let records: HttpUpstream;
  let svc: RunningService;
  const servers = (names: string[]) =>
    `servers:\n${names
      .map(
        (n) =>
          `  ${n}: { url: ${JSON.stringify(records.url)}, headers: { Authorization: "Bearer \${RECORDS_TOKEN}" } }`,
      )
      .join('\n')}\n`;
  const status = async (name: string) => (await gatewayPost(svc, name, listTools)).status;

  beforeAll(async () => {
    records = await startHttpUpstream({ token: TOKEN });
    writeFileSync(file, servers(['records']));
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          logs.push(String(chunk));
          done();
        },
      }),
    );
    svc = await startTestService({ LOOPPAUSE_GATEWAY_FILE: file, RECORDS_TOKEN: TOKEN }, { logger });
  });
  afterAll(async () => {
    await svc?.close();
    await records?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a server added is served; a broken version is refused and the previous one kept; a server removed is a 404', async () => {
    expect(await status('records')).toBe(200);
    expect(await status('more')).toBe(404);

    writeFileSync(file, servers(['records', 'more']));
    await eventually(async () => ((await status('more')) === 200 ? true : undefined));

    writeFileSync(file, `${servers(['records'])}  bad__name: { command: node }\n`);
    const refused = await eventually(() => logs.find((line) => line.includes('gateway file refused')));
    expect(refused).toContain('servers.bad__name');
    // The version in force still serves both.
    expect(await status('more')).toBe(200);
    expect(await status('records')).toBe(200);

    writeFileSync(file, servers(['records']));
    await eventually(async () => ((await status('more')) === 404 ? true : undefined));
    expect(await status('records')).toBe(200);
    const tools = (await (await gatewayPost(svc, 'records', listTools)).json()) as { result: { tools: unknown[] } };
    expect(tools.result.tools.length).toBeGreaterThan(0);
  });
});
