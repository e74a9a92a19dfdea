import type { Logger } from 'pino';
import { type Policy, parsePolicy } from '../domain/policy/index.js';
import { OperatorFileError, type OperatorFileKind, readOperatorFile, WatchedFile } from './watched-file.js';

/** A broken policy file: every problem, each naming its place. */
export class PolicyFileError extends OperatorFileError {
  constructor(path: string, problems: string[]) {
    super('policy', path, problems);
    this.name = 'PolicyFileError';
  }
}

const POLICY_FILE: OperatorFileKind<Policy> = {
  what: 'policy',
  parse: (text) => {
    const parsed = parsePolicy(text);
    return parsed.ok ? { ok: true, value: parsed.policy } : parsed;
  },
  digest: (policy) => policy.digest,
  describe: (policy) => ({ rules: policy.rules.length }),
  error: (path, problems) => new PolicyFileError(path, problems),
};

/** Reads and validates the file; throws PolicyFileError rather than guessing. */
export function readPolicyFile(path: string): Policy {
  return readOperatorFile(path, POLICY_FILE);
}

/**
 * The operator's policy, as LOOPPAUSE_POLICY_FILE says now (watched-file.ts: loaded at start-up,
 * reloaded on change or SIGHUP, a broken new version refused and the previous kept).
 */
export class PolicyFile extends WatchedFile<Policy> {
  constructor(path: string, logger: Logger) {
    super(path, POLICY_FILE, logger);
  }
}
