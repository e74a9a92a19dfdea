import { spawn } from 'node:child_process';

const CLI = new URL('../../src/cli/looppause.ts', import.meta.url).pathname;

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end with only the env given (plus PATH), feeding `stdin`. */
export function runProcess(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  stdin = '',
  cwd?: string,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe', cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A process may stop reading before all of stdin is written (a hook refusing input too large):
    // that is its answer, not a failure of the test.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(stdin);
  });
}

/** The `looppause` CLI as a user runs it, in its own process. */
export function runCli(args: string[], env: Record<string, string> = {}, stdin = ''): Promise<ProcessResult> {
  return runProcess(
    process.execPath,
    ['--import', 'tsx', CLI, ...args],
    { NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env },
    stdin,
  );
}
