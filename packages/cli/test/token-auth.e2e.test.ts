// The CLI on an Azure lake with token auth only: HTTPS Azurite with `--oauth basic`, no key, SAS or
// connection string, DefaultAzureCredential reaching App Service's managed-identity endpoint (a local
// one: packages/lakehouse/test/token-auth.ts). `cvc ingest` writes the lake and `cvc lake describe`
// reads it; an expired or wrong-audience token is exit 2 with one line naming account and container,
// and no token (nor the identity header) in stdout or stderr, even with --log-level debug's stack.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, startAzurite, type Azurite } from '../../lakehouse/test/backends.js';
import {
  selfSignedCert,
  startIdentityEndpoint,
  type IdentityEndpoint,
  type TokenKind,
} from '../../lakehouse/test/token-auth.js';
import { cvc, project, type CliRun } from './helpers.js';

let certs: string;
let azurite: Azurite;
let identity: IdentityEndpoint;
let p: { dir: string; config: string };
let ca = '';

function run(kind: TokenKind, ...args: string[]): Promise<CliRun> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AZURE_|IDENTITY_|MSI_)/.test(k)));
  return cvc(['--config', p.config, ...args], {
    replaceEnv: {
      ...env,
      NODE_EXTRA_CA_CERTS: ca,
      AZURE_STORAGE_ACCOUNT_NAME: DEV_ACCOUNT,
      AZURE_STORAGE_ENDPOINT: azurite.blobEndpoint,
      IDENTITY_ENDPOINT: identity.url(kind),
      IDENTITY_HEADER: identity.header,
      CVC_LAKE_CACHE: join(p.dir, 'cache'),
    },
  });
}

describe('cvc on an Azure lake with managed-identity tokens (HTTPS Azurite, OAuth)', () => {
  beforeAll(async () => {
    certs = mkdtempSync(join(tmpdir(), 'cvc-token-cli-'));
    const tls = await selfSignedCert(certs);
    ca = tls.ca;
    azurite = await startAzurite({ tls: { cert: tls.cert, key: tls.key }, oauth: true });
    identity = await startIdentityEndpoint();
    p = project(
      'source: { kind: duckdb, duckdb: { path: ../data/demo/source.duckdb } }\n' +
        'lake: { root: az://tokenlake/lake, localDir: ../work }\n',
    );
    const init = await run('good', 'demo', 'init', '--stores', '4', '--from', '2025-01-01', '--as-of', '2025-03-31');
    if (init.code !== 0) throw new Error(`demo init failed: ${init.stderr}`);
  }, 120_000);
  afterAll(async () => {
    await identity?.stop();
    await azurite?.stop();
    rmSync(certs, { recursive: true, force: true });
    if (p) rmSync(p.dir, { recursive: true, force: true });
  });

  it('ingest writes the lake and lake describe reads it, through DefaultAzureCredential', async () => {
    const ingest = await run('good', '--json', 'ingest');
    expect(ingest.code, ingest.stderr).toBe(0);
    const d = await run('good', '--json', 'lake', 'describe', 'features');
    expect(d.code, d.stderr).toBe(0);
    const summary = JSON.parse(d.stdout) as { path: string; rows: number };
    expect(summary.path).toBe('az://tokenlake/lake/features');
    expect(summary.rows).toBeGreaterThan(0);
    expect(identity.issued.length).toBeGreaterThan(0);
    for (const t of identity.issued) expect(t).toMatchObject({ kind: 'good', resource: 'https://storage.azure.com' });
  }, 300_000);

  const cases: [TokenKind, string[]][] = [
    ['expired', ['lake', 'describe', 'features']],
    ['wrong-audience', ['ingest']],
  ];
  for (const [kind, args] of cases) {
    it(`${kind} token: cvc ${args.join(' ')} exits 2 naming account and container, never the token`, async () => {
      const before = identity.issued.length;
      const r = await run(kind, '--log-level', 'debug', ...args);
      console.log(`${kind}: ${r.stderr.split('\n')[0]}`);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(
        new RegExp(
          `^cvc: table az://tokenlake/lake/\\w+: azure .* failed: HTTP 40[13] .*account ${DEV_ACCOUNT}, ` +
            'container tokenlake refused the default-credential credential',
        ),
      );
      const tokens = identity.issued.slice(before);
      expect(tokens.length).toBeGreaterThan(0);
      expect(tokens.every((t) => t.kind === kind)).toBe(true);
      const seen = r.stdout + r.stderr;
      for (const { token } of tokens) for (const part of token.split('.').slice(1)) expect(seen).not.toContain(part);
      expect(seen).not.toContain(identity.header);
    }, 300_000);
  }
});
