// Azure specifics: the three location spellings, and credentials that never reach an error message.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import * as blob from '@azure/storage-blob';
import { append, createTable, DeltaError, loadSnapshot, StorageAuthError } from '../src/index.js';
import { azureAuthKind, maskAzureSecrets } from '../src/storage/azure-client.js';
import { isAzureLocation, parseAzureLocation } from '../src/storage/azure-location.js';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from './backends.js';
import { connect } from './helpers.js';

describe('Azure locations', () => {
  it('parses abfss, az and https roots', () => {
    expect(parseAzureLocation('abfss://lake@acme01.dfs.core.windows.net/cvc/tables/')).toMatchObject({
      account: 'acme01',
      container: 'lake',
      prefix: 'cvc/tables',
    });
    expect(parseAzureLocation('az://lake/cvc')).toMatchObject({ account: undefined, container: 'lake', prefix: 'cvc' });
    expect(parseAzureLocation('https://acme01.blob.core.windows.net/lake')).toMatchObject({
      account: 'acme01',
      container: 'lake',
      prefix: '',
    });
    expect(isAzureLocation('/data/lake')).toBe(false);
    expect(isAzureLocation('https://example.com/lake')).toBe(false);
  });

  it('refuses malformed roots and SAS tokens in the URL, without echoing the query', () => {
    expect(() => parseAzureLocation('abfss://lake@acme01.blob.core.windows.net/x')).toThrow(
      /abfss:\/\/<container>@<account>/,
    );
    expect(() => parseAzureLocation('az://Bad_Container/x')).toThrow(/not a container name/);
    expect(() => parseAzureLocation('az://lake/a/../b')).toThrow(/'\.\.'/);
    const sas = 'sv=2024&sig=SECRETSIG';
    let message = '';
    try {
      parseAzureLocation(`https://acme01.blob.core.windows.net/lake/t?${sas}`);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/AZURE_STORAGE_SAS_TOKEN/);
    expect(message).not.toContain('SECRETSIG');
  });

  it('a bad root given as a table is an INVALID_ARGUMENT DeltaError, not a local directory', async () => {
    const e = await loadSnapshot('abfss://lake@acme01.blob.core.windows.net/t?sig=SECRETSIG').catch((x: unknown) => x);
    expect((e as DeltaError).code).toBe('INVALID_ARGUMENT');
    expect((e as Error).message).not.toContain('SECRETSIG');
  });

  it('masks connection-string keys and SAS signatures', () => {
    const env = {
      AZURE_STORAGE_CONNECTION_STRING: 'AccountName=a;AccountKey=KEYKEYKEY==;BlobEndpoint=http://x',
      AZURE_STORAGE_SAS_TOKEN: 'sv=1&sig=SIGSIGSIG',
    };
    expect(maskAzureSecrets('key KEYKEYKEY== sig SIGSIGSIG', env)).toBe('key *** sig ***');
  });
});

describe('Azure credentials against Azurite', () => {
  let azurite: Azurite;
  let conn: DuckDBConnection;
  const saved = process.env['AZURE_STORAGE_CONNECTION_STRING'];
  beforeAll(async () => {
    azurite = await startAzurite();
    conn = await connect();
  }, 60_000);
  afterAll(async () => {
    if (saved === undefined) delete process.env['AZURE_STORAGE_CONNECTION_STRING'];
    else process.env['AZURE_STORAGE_CONNECTION_STRING'] = saved;
    await azurite.stop();
  });

  it('a wrong account key fails as an IO DeltaError naming table and HTTP status, never the key', async () => {
    const wrongKey = Buffer.from('not the emulator key, but a secret all the same').toString('base64');
    process.env['AZURE_STORAGE_CONNECTION_STRING'] = azurite.connectionString.replace(
      /AccountKey=[^;]+/,
      `AccountKey=${wrongKey}`,
    );
    const table = 'az://secrets/lake/t';
    const e = await createTable(conn, table, { columns: [{ name: 'x', type: 'INTEGER' }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeltaError);
    expect((e as DeltaError).code).toBe('IO');
    expect((e as DeltaError).message).toMatch(/az:\/\/secrets\/lake\/t.*HTTP 403/);
    console.log(`wrong key: ${(e as Error).message}`);
    const seen = `${(e as Error).message} ${(e as Error).stack ?? ''} ${JSON.stringify(e)}`;
    expect(seen).not.toContain(wrongKey);
    expect(seen).not.toContain(DEV_ACCOUNT + ';AccountKey');
  });

  it('the right key creates the table; a missing table reads as TABLE_NOT_FOUND', async () => {
    process.env['AZURE_STORAGE_CONNECTION_STRING'] = azurite.connectionString;
    await createTable(conn, 'az://secrets/lake/t', { columns: [{ name: 'x', type: 'INTEGER' }] });
    expect((await loadSnapshot('az://secrets/lake/t')).version).toBe(0);
    const e = await loadSnapshot('az://secrets/lake/none').catch((x: unknown) => x);
    expect((e as DeltaError).code).toBe('TABLE_NOT_FOUND');
  });
});

// Each credential path of azure-client.ts against the emulator: the connection string (above), the account
// key and a SAS (AZURE_STORAGE_ENDPOINT points them at Azurite, as a private endpoint would in Azure). A
// wrong secret of each kind fails as an IO DeltaError (HTTP 403) whose text never holds the secret.
describe('Azure credential paths against Azurite', () => {
  let azurite: Azurite;
  let conn: DuckDBConnection;
  const NAMES = [
    'AZURE_STORAGE_CONNECTION_STRING',
    'AZURE_STORAGE_ACCOUNT_NAME',
    'AZURE_STORAGE_ACCOUNT_KEY',
    'AZURE_STORAGE_SAS_TOKEN',
    'AZURE_STORAGE_ENDPOINT',
  ];
  const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
  const useEnv = (vars: Record<string, string>) => {
    for (const n of NAMES) delete process.env[n];
    Object.assign(process.env, vars);
  };
  let sas = '';
  beforeAll(async () => {
    azurite = await startAzurite();
    conn = await connect();
    sas = blob
      .generateAccountSASQueryParameters(
        {
          expiresOn: new Date(Date.now() + 3_600_000),
          permissions: blob.AccountSASPermissions.parse('rwdlacu'),
          resourceTypes: blob.AccountSASResourceTypes.parse('sco').toString(),
          services: blob.AccountSASServices.parse('b').toString(),
          protocol: blob.SASProtocol.HttpsAndHttp,
        },
        new blob.StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY),
      )
      .toString();
  }, 90_000);
  afterAll(async () => {
    for (const n of NAMES) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
    await azurite.stop();
  });

  const kinds = () => ({
    'account-key': { AZURE_STORAGE_ACCOUNT_KEY: DEV_KEY },
    sas: { AZURE_STORAGE_SAS_TOKEN: `?${sas}` },
  });
  const wrong = () => ({
    'account-key': { AZURE_STORAGE_ACCOUNT_KEY: Buffer.from('a wrong but secret account key!!').toString('base64') },
    sas: { AZURE_STORAGE_SAS_TOKEN: sas.replace(/sig=[^&]+/, `sig=${encodeURIComponent('d3JvbmcgYnV0IHNlY3JldA==')}`) },
  });

  for (const kind of ['account-key', 'sas'] as const) {
    it(`${kind}: writes and reads a table; the wrong secret is a 403 that never shows it`, async () => {
      const base = { AZURE_STORAGE_ACCOUNT_NAME: DEV_ACCOUNT, AZURE_STORAGE_ENDPOINT: azurite.blobEndpoint };
      useEnv({ ...base, ...kinds()[kind] });
      expect(azureAuthKind()).toBe(kind);
      const table = `az://auth-${kind}/lake/t`;
      await createTable(conn, table, { columns: [{ name: 'x', type: 'INTEGER' }] });
      await append(conn, table, 'SELECT 7 AS x');
      const snap = await loadSnapshot(table);
      expect(snap.version).toBe(1);
      expect(snap.files).toHaveLength(1);

      const bad = wrong()[kind];
      useEnv({ ...base, ...bad });
      const e = await loadSnapshot(table).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DeltaError);
      expect((e as DeltaError).code).toBe('IO');
      expect((e as DeltaError).message).toMatch(/HTTP 403/);
      // A refused credential is the user's to fix: exit 2 from the CLI, naming account, container and kind.
      expect(e).toBeInstanceOf(StorageAuthError);
      expect((e as StorageAuthError).exitCode).toBe(2);
      expect((e as Error).message).toContain(`account ${DEV_ACCOUNT}, container auth-${kind} refused the ${kind}`);
      const seen = `${(e as Error).message} ${(e as Error).stack ?? ''} ${JSON.stringify(e)}`;
      const secret = Object.values(bad)[0]!;
      expect(seen).not.toContain(secret);
      expect(seen).not.toContain(/sig=([^&]+)/.exec(secret)?.[1] ?? secret);
    });
  }
});
