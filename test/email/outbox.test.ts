import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { agentView, createPause, formKeyIn, postDecision } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService } from '../helpers/service.js';

describe('without SMTP_URL: .eml files in the outbox', () => {
  let dir: string;
  let running: RunningService;
  const logLines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'looppause-outbox-'));
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
    running = await startTestService({ LOOPPAUSE_OUTBOX_DIR: dir }, { logger });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a parseable .eml, logs its path (never the link), and its link decides', async () => {
    const pauseId = await createPause(running);
    const file = await eventually(() => readdirSync(dir).find((f) => f.endsWith('.eml')));
    const mail = await simpleParser(readFileSync(join(dir, file)));
    expect(mail.subject).toBe('Approval needed: Delete the staging bucket');
    expect(mail.text).toContain(pauseId);
    expect(mail.html).toContain('staging-assets');
    const link = /(http:\/\/\S+\/decide\/[A-Za-z0-9_-]{43})\?decision=approved/.exec(mail.text ?? '')?.[1] ?? '';
    expect(link).not.toBe('');

    const logged = await eventually(() => logLines.find((l) => l.includes('written to the outbox')));
    expect(JSON.parse(logged)).toMatchObject({ pause_id: pauseId, path: join(dir, file), surface: 'email' });
    const token = link.split('/').pop() ?? '';
    expect(logLines.join('\n')).not.toContain(token);
    expect(logLines.join('\n')).not.toContain('staging-assets');

    const formKey = formKeyIn(await (await fetch(link)).text());
    expect((await postDecision(link, { form_key: formKey, decision: 'approved' })).status).toBe(200);
    expect(await agentView(running, pauseId)).toMatchObject({
      status: 'responded',
      response: { channel: 'email', responder: 'ops@example.com' },
    });
    expect(logLines.join('\n')).not.toContain(token);
  });
});
