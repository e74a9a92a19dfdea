import type { Config } from '../config.js';
import { startService } from '../main.js';
import { banner } from './banner.js';

/** Runs until SIGTERM/SIGINT, then shuts down gracefully. Returns -1: the process stays up. */
export async function serveCommand(config: Config): Promise<number> {
  const running = await startService(config);
  process.stdout.write(`${banner(running)}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.logger.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1;
}
