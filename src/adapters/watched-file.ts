import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';

/** A broken operator file: every problem, each naming its place. */
export class OperatorFileError extends Error {
  constructor(
    readonly what: string,
    readonly path: string,
    readonly problems: string[],
  ) {
    super(`${what} file ${path} is not valid:\n  ${problems.join('\n  ')}`);
    this.name = 'OperatorFileError';
  }
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** How one kind of operator file is read, named and logged. */
export interface OperatorFileKind<T> {
  /** `policy`, `gateway`: in messages and log fields. */
  what: string;
  parse(text: string): ParseResult<T>;
  digest(value: T): string;
  /** Extra log fields for a loaded version (rule counts, server names). */
  describe(value: T): Record<string, unknown>;
  /** The error a broken file throws (a subclass naming the kind); OperatorFileError by default. */
  error?: (path: string, problems: string[]) => OperatorFileError;
}

/** Reads and validates the file; throws OperatorFileError rather than guessing. */
export function readOperatorFile<T>(path: string, kind: OperatorFileKind<T>): T {
  const fail = (problems: string[]) => kind.error?.(path, problems) ?? new OperatorFileError(kind.what, path, problems);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw fail([`could not be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  const parsed = kind.parse(text);
  if (!parsed.ok) throw fail(parsed.errors);
  return parsed.value;
}

const RELOAD_DEBOUNCE_MS = 100;

/**
 * An operator file as it says now. Loaded at start-up (a broken file stops start-up); reloaded when
 * the file changes or on SIGHUP, where a broken new version is refused with a logged error and the
 * previous one stays in force. Every replica logs the digest it runs, so operators can see that all
 * converged. Listeners hear of each new version in force.
 */
export class WatchedFile<T> {
  private value: T;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(value: T) => void>();
  private readonly onHup = () => this.reload('SIGHUP');

  constructor(
    readonly path: string,
    private readonly kind: OperatorFileKind<T>,
    private readonly logger: Logger,
  ) {
    this.value = readOperatorFile(path, kind);
    this.logger.info(
      { [kind.what]: path, digest: kind.digest(this.value), ...kind.describe(this.value) },
      `${kind.what} loaded`,
    );
  }

  current(): T {
    return this.value;
  }

  /** Called with each new version once it is in force. */
  onChange(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
    const { what } = this.kind;
    try {
      const next = readOperatorFile(this.path, this.kind);
      if (this.kind.digest(next) === this.kind.digest(this.value)) return true;
      this.value = next;
      this.logger.info(
        { [what]: this.path, digest: this.kind.digest(next), ...this.kind.describe(next), reason },
        `${what} reloaded`,
      );
      for (const listener of this.listeners) listener(next);
      return true;
    } catch (error) {
      const problems = error instanceof OperatorFileError ? error.problems : [String(error)];
      this.logger.error(
        { [what]: this.path, problems, in_force: this.kind.digest(this.value), reason },
        `${what} file refused; the previous ${what} stays in force`,
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
