import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { type Policy, parsePolicy } from '../domain/policy/index.js';

/** A broken policy file: every problem, each naming its place. */
export class PolicyFileError extends Error {
  constructor(
    readonly path: string,
    readonly problems: string[],
  ) {
    super(`policy file ${path} is not valid:\n  ${problems.join('\n  ')}`);
    this.name = 'PolicyFileError';
  }
}

/** Reads and validates the file; throws PolicyFileError rather than guessing. */
export function readPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PolicyFileError(path, [`could not be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  const parsed = parsePolicy(text);
  if (!parsed.ok) throw new PolicyFileError(path, parsed.errors);
  return parsed.policy;
}

const RELOAD_DEBOUNCE_MS = 100;

/**
 * The operator's policy, as LOOPPAUSE_POLICY_FILE says now. Loaded at start-up (a broken file stops
 * start-up); reloaded when the file changes or on SIGHUP, where a broken new version is refused
 * with a logged error and the previous policy stays in force. Every replica logs the digest it
 * runs, so operators can see that all converged.
 */
export class PolicyFile {
  private policy: Policy;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly onHup = () => this.reload('SIGHUP');

  constructor(
    readonly path: string,
    private readonly logger: Logger,
  ) {
    this.policy = readPolicyFile(path);
    this.logger.info({ policy: path, digest: this.policy.digest, rules: this.policy.rules.length }, 'policy loaded');
  }

  current(): Policy {
    return this.policy;
  }

  /** Watches the folder, not the file: editors and config maps replace a file by renaming over it. */
  watch(): void {
    if (this.watcher) return;
    const file = basename(this.path);
    this.watcher = watch(dirname(resolve(this.path)), (_event, name) => {
      if (name !== null && name !== file) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.reload('change'), RELOAD_DEBOUNCE_MS);
      this.debounce.unref();
    });
    this.watcher.unref();
    process.on('SIGHUP', this.onHup);
  }

  /** Re-reads the file; returns whether the new version is now in force. */
  reload(reason: string): boolean {
    try {
      const next = readPolicyFile(this.path);
      if (next.digest === this.policy.digest) return true;
      this.policy = next;
      this.logger.info({ policy: this.path, digest: next.digest, rules: next.rules.length, reason }, 'policy reloaded');
      return true;
    } catch (error) {
      const problems = error instanceof PolicyFileError ? error.problems : [String(error)];
      this.logger.error(
        { policy: this.path, problems, in_force: this.policy.digest, reason },
        'policy file refused; the previous policy stays in force',
      );
      return false;
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.debounce);
    process.off('SIGHUP', this.onHup);
  }
}
