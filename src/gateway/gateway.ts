import type { Logger } from 'pino';
import type { OperatorFileKind, WatchedFile } from '../adapters/watched-file.js';
import { type GatewayConfig, parseGateway, type UpstreamConfig } from './file.js';
import { Upstream } from './upstream.js';

/** How LOOPPAUSE_GATEWAY_FILE is read (watched-file.ts: broken at start-up stops it; broken later is refused). */
export function gatewayFileKind(env: (name: string) => string | undefined): OperatorFileKind<GatewayConfig> {
  return {
    what: 'gateway',
    parse: (text) => {
      const parsed = parseGateway(text, env);
      return parsed.ok ? { ok: true, value: parsed.gateway } : parsed;
    },
    digest: (gateway) => gateway.digest,
    describe: (gateway) => ({ servers: [...gateway.servers.keys()] }),
  };
}

/**
 * The upstream servers of the gateway file in force, one connection each on this replica. A new
 * version of the file closes the upstreams it drops or changes (a stdio server is stopped) and the
 * changed ones connect again at their next use.
 */
export class Gateway {
  private readonly upstreams = new Map<string, Upstream>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly file: WatchedFile<GatewayConfig>,
    private readonly logger: Logger,
  ) {
    this.reconcile(file.current());
    this.unsubscribe = file.onChange((next) => this.reconcile(next));
  }

  upstream(name: string): Upstream | undefined {
    return this.upstreams.get(name);
  }

  names(): string[] {
    return [...this.upstreams.keys()];
  }

  watch(): void {
    this.file.watch();
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.file.close();
    await Promise.all([...this.upstreams.values()].map((u) => u.close()));
    this.upstreams.clear();
  }

  private reconcile(next: GatewayConfig): void {
    for (const [name, upstream] of this.upstreams) {
      const wanted = next.servers.get(name);
      if (wanted && sameUpstream(wanted, upstream.config)) continue;
      this.upstreams.delete(name);
      void upstream.close();
    }
    for (const [name, config] of next.servers) {
      if (!this.upstreams.has(name)) {
        this.upstreams.set(name, new Upstream(config, this.logger.child({ upstream: name })));
      }
    }
  }
}

function sameUpstream(a: UpstreamConfig, b: UpstreamConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
