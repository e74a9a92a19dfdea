import type { Config } from '../config.js';
import { sealedLine } from '../domain/audit/chain.js';
import { RedisStore } from '../store/redis-store.js';
import { verifyAuditLog } from '../use-cases/verify-audit.js';
import { flagValue } from './flags.js';

const USAGE = 'usage: looppause audit verify | export [--since ISO-8601 time]\n';

/**
 * `looppause audit verify`: exit 0 when the chain holds, 1 naming the first bad entry.
 * `looppause audit export --since ISO`: JSON Lines, one sealed entry a line, oldest first.
 */
export async function auditCommand(config: Config, args: string[]): Promise<number> {
  const [action, ...flags] = args;
  if (action !== 'verify' && action !== 'export') {
    process.stderr.write(USAGE);
    return 2;
  }
  const sinceText = flagValue(flags, '--since');
  const sinceMs = sinceText === undefined ? undefined : Date.parse(sinceText);
  if (action === 'export' && sinceMs !== undefined && !Number.isFinite(sinceMs)) {
    process.stderr.write(`looppause audit export: --since must be an ISO-8601 time, e.g. 2026-11-01T00:00:00Z\n`);
    return 2;
  }
  if (!config.redis) {
    process.stderr.write(
      'looppause audit: needs REDIS_URL (the embedded memory store lives inside one server process, and its log with it)\n',
    );
    return 1;
  }
  const store = new RedisStore({ url: config.redis.url, prefix: config.redis.prefix });
  try {
    await store.connect();
    if (action === 'verify') return await verify(store);
    return await exportLines(store, sinceMs);
  } finally {
    await store.close();
  }
}

async function verify(store: RedisStore): Promise<number> {
  const verdict = await verifyAuditLog(store);
  if (!verdict.ok) {
    process.stdout.write(`audit log BROKEN at entry ${verdict.seq}: ${verdict.reason}\n`);
    return 1;
  }
  const from = verdict.anchorSeq > 0 ? ` (entries up to ${verdict.anchorSeq} dropped by retention; anchored)` : '';
  process.stdout.write(
    `audit log intact: ${verdict.checked} entries checked, last ${verdict.lastSeq}${from}; head ${verdict.lastHash}\n`,
  );
  return 0;
}

async function exportLines(store: RedisStore, sinceMs: number | undefined): Promise<number> {
  let cursor: string | undefined;
  for (;;) {
    // `since` picks the first page; later pages follow the cursor.
    const page = await store.readAudit({
      limit: 1_000,
      ...(cursor === undefined ? (sinceMs === undefined ? {} : { sinceMs }) : { cursor }),
    });
    const lines = page.entries.map((e) => (e.prev === null ? e.body : sealedLine(e.body, e.prev)));
    if (lines.length > 0 && !process.stdout.write(`${lines.join('\n')}\n`)) {
      await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
    if (page.cursor === null) return 0;
    cursor = page.cursor;
  }
}
