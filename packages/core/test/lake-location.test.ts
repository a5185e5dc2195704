// lake.root as an Azure URL: accepted forms, table locations joined with '/', bad roots exit 2 naming
// lake.root without echoing a SAS.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeOf, lakeTable, loadConfig } from '../src/index.js';

function configWith(root: string, more = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'cvc-lake-root-'));
  const file = join(dir, 'cvc.yaml');
  writeFileSync(file, `lake:\n  root: "${root}"\n  localDir: ./work\n${more}`);
  return file;
}

describe('lake.root on Azure', () => {
  it('keeps an Azure root as given, joins tables with /, and puts local work under lake.localDir', () => {
    const file = configWith('abfss://lake@acme01.dfs.core.windows.net/cvc/');
    const loaded = loadConfig(file);
    expect(loaded.paths.lake).toBe('abfss://lake@acme01.dfs.core.windows.net/cvc');
    expect(lakeTable(loaded.paths.lake, 'features')).toBe('abfss://lake@acme01.dfs.core.windows.net/cvc/features');
    expect(loaded.paths.data).toBe(join(file, '..', 'work'));
    expect(loaded.paths.lakeLocal).toBe(join(file, '..', 'work', 'lake-local'));
    expect(loadConfig(configWith('az://lake/cvc')).paths.lake).toBe('az://lake/cvc');
  });

  it('refuses a malformed Azure root or one with a SAS in it: exit 2, names lake.root, no secret', () => {
    for (const [root, why] of [
      ['abfss://lake@acme01.blob.core.windows.net/cvc', /lake\.root is not an Azure location/],
      ['s3://bucket/cvc', /lake\.root is not an Azure location/],
      ['https://acme01.blob.core.windows.net/lake/cvc?sv=1&sig=SECRETSIG', /lake\.root must not carry a query string/],
    ] as const) {
      let err: unknown;
      try {
        loadConfig(configWith(root));
      } catch (e) {
        err = e;
      }
      expect(exitCodeOf(err)).toBe(2);
      expect((err as Error).message).toMatch(why);
      expect((err as Error).message).not.toContain('SECRETSIG');
    }
  });

  it('puts an unset registry.root and tracking.root under an Azure lake; explicit roots win', () => {
    const under = loadConfig(configWith('az://lake/cvc/'));
    expect(under.paths.registry).toBe('az://lake/cvc/_registry');
    expect(under.paths.tracking).toBe('az://lake/cvc/_tracking');
    const own = loadConfig(
      configWith('az://lake/cvc', 'registry:\n  root: az://models/reg/\ntracking:\n  root: ./tracking\n'),
    );
    expect(own.paths.registry).toBe('az://models/reg');
    expect(own.paths.tracking).toBe(join(own.file, '..', 'tracking'));
    // A local lake keeps its local defaults.
    const local = loadConfig(configWith('./lake'));
    expect(local.paths.registry).toBe(join(local.file, '..', '..', 'data', 'registry'));
    let err: unknown;
    try {
      loadConfig(configWith('./lake', 'registry:\n  root: "https://a.blob.core.windows.net/c/r?sig=SECRETSIG"\n'));
    } catch (e) {
      err = e;
    }
    expect(exitCodeOf(err)).toBe(2);
    expect((err as Error).message).toMatch(/registry\.root must not carry a query string/);
    expect((err as Error).message).not.toContain('SECRETSIG');
  });
});
