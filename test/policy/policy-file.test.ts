import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyFile, PolicyFileError } from '../../src/adapters/policy-file.js';
import { ENFORCEABLE_POLICY, EXAMPLE_POLICY } from '../domain/policy/fixtures.js';
import { eventually } from '../helpers/eventually.js';

const RENAMED = ENFORCEABLE_POLICY.replace('name: small-refunds', 'name: tiny-refunds');

/** A logger whose error lines are kept for assertions. */
function recordingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('PolicyFile', () => {
  const dirs: string[] = [];
  const opened: PolicyFile[] = [];
  afterEach(() => {
    for (const file of opened.splice(0)) file.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const fileWith = (text: string) => {
    const dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'policy-'));
    dirs.push(dir);
    const path = join(dir, 'policy.yaml');
    writeFileSync(path, text);
    return path;
  };
  const open = (path: string, logger: Logger) => {
    const file = new PolicyFile(path, logger);
    opened.push(file);
    return file;
  };
  const ruleNames = (file: PolicyFile) => file.current().rules.map((r) => r.name);

  it('loads a valid file and logs its digest', () => {
    const { logger, lines } = recordingLogger();
    const file = open(fileWith(ENFORCEABLE_POLICY), logger);
    expect(ruleNames(file)).toEqual(['small-refunds', 'payments']);
    expect(lines.find((l) => l.msg === 'policy loaded')?.digest).toBe(file.current().digest);
  });

  it('refuses a broken or missing file at start-up, naming every problem', () => {
    const { logger } = recordingLogger();
    const broken = fileWith('rules:\n  - name: a\n    decide: maybe\n    bogus: 1\n');
    expect(() => open(broken, logger)).toThrow(PolicyFileError);
    try {
      open(broken, logger);
    } catch (error) {
      expect((error as PolicyFileError).problems).toEqual(
        expect.arrayContaining([expect.stringMatching(/^rules\[0\]\.decide: /), 'rules[0].bogus: unknown key']),
      );
    }
    expect(() => open(join(tmpdir(), 'no-such-policy.yaml'), logger)).toThrow(/could not be read: ENOENT/);
  });

  it('loads the documented example policy whole: quorum, maker-checker, reminders, escalation and on_timeout are carried out', () => {
    const { logger } = recordingLogger();
    const file = open(fileWith(EXAMPLE_POLICY), logger);
    const payments = file.current().rules.find((rule) => rule.name === 'payments');
    expect(payments?.effect).toMatchObject({
      kind: 'route',
      quorum: 2,
      ownerCannotApprove: true,
      onTimeout: 'rejected',
    });
  });

  it('reloads on change; a broken new version is refused, logged, and the old policy stays in force', async () => {
    const { logger, lines } = recordingLogger();
    const path = fileWith(ENFORCEABLE_POLICY);
    const file = open(path, logger);
    file.watch();
    const before = file.current().digest;

    writeFileSync(path, 'rules: [ {name: x, decide: approved} ');
    await eventually(() => lines.find((l) => l.msg === 'policy file refused; the previous policy stays in force'));
    expect(file.current().digest).toBe(before);

    // Replaced by a rename, as editors and config maps do.
    writeFileSync(`${path}.new`, RENAMED);
    renameSync(`${path}.new`, path);
    await eventually(() => (ruleNames(file)[0] === 'tiny-refunds' ? true : undefined));
    expect(lines.find((l) => l.msg === 'policy reloaded')?.digest).toBe(file.current().digest);
  });

  it('reloads on SIGHUP', async () => {
    const { logger } = recordingLogger();
    const path = fileWith(ENFORCEABLE_POLICY);
    const file = open(path, logger);
    file.watch();
    writeFileSync(path, RENAMED);
    // Synchronously, before the file watcher's debounced reload could run.
    process.emit('SIGHUP');
    expect(ruleNames(file)[0]).toBe('tiny-refunds');
  });
});
