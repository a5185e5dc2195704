// Token auth end to end on HTTPS Azurite with `--oauth basic`: with no key, SAS or connection string in
// the environment, cvc's storage layer builds DefaultAzureCredential unchanged, whose chain reaches
// ManagedIdentityCredential through App Service's IDENTITY_ENDPOINT + IDENTITY_HEADER (a local endpoint
// here, as on App Service; token-auth.ts says why this source). A table is written and read back through
// it, delta-rs reads the same table with a bearer token, and an expired or wrong-audience token fails as a
// StorageAuthError (exit 2) naming account and container, with no token in its message or stack.
// Child processes: Node trusts the self-signed cert only through NODE_EXTRA_CA_CERTS, read at start-up.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../../../test-support/python.js';
import { DEV_ACCOUNT, startAzurite, type Azurite } from './backends.js';
import { selfSignedCert, startIdentityEndpoint, type IdentityEndpoint, type TokenKind } from './token-auth.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(here, 'fixtures', 'token-worker.ts');

interface WorkerOut {
  authKind?: string;
  version?: number;
  rows?: number;
  total?: number;
  error?: { name: string; code?: string; exitCode?: number; message: string; stack?: string };
  json?: string;
  stderr: string;
}

let dir: string;
let tls: { ca: string; cert: string; key: string };
let azurite: Azurite;
let identity: IdentityEndpoint;

/** The environment of a process on App Service with a managed identity: no storage secret at all. */
function appServiceEnv(kind: TokenKind): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AZURE_|IDENTITY_|MSI_|IMDS_)/.test(k)),
  );
  return {
    ...env,
    NODE_EXTRA_CA_CERTS: tls.ca,
    AZURE_STORAGE_ACCOUNT_NAME: DEV_ACCOUNT,
    AZURE_STORAGE_ENDPOINT: azurite.blobEndpoint,
    IDENTITY_ENDPOINT: identity.url(kind),
    IDENTITY_HEADER: identity.header,
    CVC_LAKE_CACHE: path.join(dir, `cache-${kind}`),
  };
}

function worker(action: 'write' | 'read', table: string, kind: TokenKind): Promise<WorkerOut> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', WORKER, action, table], {
      cwd: path.resolve(here, '../../..'),
      env: appServiceEnv(kind),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`token worker exited ${code}: ${stderr}${stdout}`));
      else resolve({ ...(JSON.parse(last) as Omit<WorkerOut, 'stderr'>), stderr: stderr + stdout });
    });
  });
}

describe('DefaultAzureCredential against HTTPS Azurite with OAuth', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cvc-token-auth-'));
    tls = await selfSignedCert(dir);
    azurite = await startAzurite({ tls: { cert: tls.cert, key: tls.key }, oauth: true });
    identity = await startIdentityEndpoint();
  }, 90_000);
  afterAll(async () => {
    await identity?.stop();
    await azurite?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes and reads back a table with managed-identity tokens; delta-rs reads it with a bearer token', async () => {
    const table = 'az://tokens/lake/t';
    const wrote = await worker('write', table, 'good');
    expect(wrote.error, wrote.error?.message).toBeUndefined();
    expect(wrote).toMatchObject({ authKind: 'default-credential', version: 2, rows: 8, total: 22.5 });
    const read = await worker('read', table, 'good');
    expect(read).toMatchObject({ version: 2, rows: 8, total: 22.5 });
    // The tokens came from the identity endpoint, asked for storage (MSAL turns the scope into a resource).
    expect(identity.issued.length).toBeGreaterThanOrEqual(2);
    for (const t of identity.issued) expect(t).toMatchObject({ kind: 'good', resource: 'https://storage.azure.com' });

    // delta-rs (object_store) with a bearer token, trusting the same CA through SSL_CERT_FILE.
    const saved = process.env['SSL_CERT_FILE'];
    process.env['SSL_CERT_FILE'] = tls.ca;
    try {
      const got = await python<{ rows: number; total: number; version: number }>(
        `
import json, sys
from deltalake import DeltaTable
opts = {'account_name': sys.argv[2], 'bearer_token': sys.argv[3], 'endpoint': sys.argv[4]}
dt = DeltaTable(sys.argv[1], storage_options=opts)
t = dt.to_pyarrow_table()
print(json.dumps({'rows': t.num_rows, 'total': sum(t.column('sales').to_pylist()), 'version': dt.version()}))`,
        'az://tokens/lake/t',
        DEV_ACCOUNT,
        identity.mint('good'),
        azurite.blobEndpoint,
      );
      expect(got).toEqual({ rows: 8, total: 22.5, version: 2 });
    } finally {
      if (saved === undefined) delete process.env['SSL_CERT_FILE'];
      else process.env['SSL_CERT_FILE'] = saved;
    }
  }, 180_000);

  for (const kind of ['expired', 'wrong-audience'] as const) {
    it(`${kind} token: fails as a StorageAuthError naming account and container, never showing the token`, async () => {
      const before = identity.issued.length;
      const out = await worker('read', 'az://tokens/lake/t', kind);
      expect(out.error).toBeDefined();
      const e = out.error!;
      console.log(`${kind}: ${e.message}`);
      expect(e).toMatchObject({ name: 'DeltaError', code: 'IO', exitCode: 2 });
      expect(e.message).toMatch(/table az:\/\/tokens\/lake\/t: azure .* failed: HTTP 40[13] /);
      expect(e.message).toContain(`account ${DEV_ACCOUNT}, container tokens refused the default-credential`);
      expect(e.message).toMatch(/https:\/\/storage\.azure\.com and unexpired/);
      const tokens = identity.issued.slice(before).filter((t) => t.kind === kind);
      expect(tokens.length).toBeGreaterThan(0);
      const seen = `${e.message}\n${e.stack ?? ''}\n${out.json ?? ''}\n${out.stderr}`;
      for (const { token } of tokens) {
        expect(seen).not.toContain(token);
        // Nor the token's signature or payload alone.
        for (const part of token.split('.').slice(1)) expect(seen).not.toContain(part);
      }
      expect(seen).not.toContain(identity.header);
    }, 120_000);
  }
});
