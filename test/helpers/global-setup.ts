import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One temporary folder per test run (outboxes and the like), removed when the run ends. */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'looppause-test-'));
  // Test workers are forked after this runs and inherit the environment.
  process.env.LOOPPAUSE_TEST_TMP = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
