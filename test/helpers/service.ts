import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type Config, parseConfig } from '../../src/config.js';
import { type RunningService, type StartOptions, startService } from '../../src/main.js';
import { generateReceiptKey } from '../../src/receipts/keys.js';

export const TEST_API_KEY = 'test-key-0123456789abcdef';
export const OTHER_API_KEY = 'other-key-0123456789abcdef';
export const TEST_SIGNING_SECRET = 'test-signing-secret-0123456789abcdef-xyz';
/** The receipt key (an Ed25519 private JWK) of every test service in this process, unless a test gives its own. */
export const TEST_RECEIPT_KEY = generateReceiptKey();

/** Inside the run's temporary folder (removed afterwards) when Vitest runs this; else the OS's. */
const TEST_OUTBOX_DIR = join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), `looppause-test-outbox-${process.pid}`);

/** Config as an operator would give it, through the real env parser. */
function testConfig(env: Record<string, string | undefined> = {}): Config {
  const result = parseConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOOPPAUSE_SIGNING_SECRET: TEST_SIGNING_SECRET,
    LOOPPAUSE_RECEIPT_KEY: TEST_RECEIPT_KEY,
    LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY},agent-b:${OTHER_API_KEY}`,
    LOG_LEVEL: 'silent',
    // Suites and benchmarks make many calls a minute; the rate-limit test sets its own.
    LOOPPAUSE_RATE_LIMIT_PER_MINUTE: '1000000',
    // Without SMTP_URL e-mails become .eml files: keep them out of the checkout.
    LOOPPAUSE_OUTBOX_DIR: TEST_OUTBOX_DIR,
    // Tests that run as development must not share state through a snapshot file; the snapshot's own tests turn it on.
    LOOPPAUSE_MEMORY_SNAPSHOT: 'false',
    ...env,
  });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.config;
}

/** A whole service on a free port. `close()` it in afterAll/afterEach. */
export async function startTestService(
  env: Record<string, string | undefined> = {},
  options: StartOptions = {},
): Promise<RunningService> {
  const config = testConfig(env);
  return startService(config, {
    logger: pino({ level: 'silent' }),
    defaultMetrics: false,
    ...options,
  });
}
