// The feature rows ingest writes for the demo source, pinned by a hash taken before the calendar and
// clustering rewrite (issue 13): a faster ingest must merge exactly the same rows, value for value.
// City holidays spelled with other case and accents check that places still match as pt-BR "base".
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseConfig, type LoadedConfig } from '@cvc/core';
import { writeDemoSource } from '@cvc/demo-source';
import { runIngest } from '@cvc/ingest';
import { scanSql } from '@cvc/lakehouse';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

// Re-pinned when the demo source stopped holding rows loaded after its extract (issue 14): a late load of
// 2025-12-31 and two corrections still pending, and one bad row one row further, differ; ingest did not change.
const EXPECTED = { rows: 37360, md5: '509b82aeb2de5ec23f7818335849c612' };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cvc-demo-rows-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sql<T = Record<string, unknown>>(path: string, q: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  try {
    return (await c.runAndReadAll(q)).getRowObjectsJS() as T[];
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

test('demo feature rows are identical, row for row, to the rows ingest wrote before issue 13', async () => {
  const source = join(dir, 'source.duckdb');
  await writeDemoSource({ path: source, stores: 60, from: '2024-01-01', asOf: '2025-12-31', seed: 7 });
  await sql(
    source,
    `INSERT INTO state_holidays VALUES
    ('SP', 'sao paulo', DATE '2024-03-11', 'grafia sem acento'),
    ('sp', 'SÃO PAULO', DATE '2025-06-03', 'caixa alta'),
    ('RJ', 'Rio De Janeiro', DATE '2025-02-14', 'caixa mista'),
    ('MG', 'belo horizonte', DATE '2024-10-01', 'minúsculas'),
    ('MG', 'Belo Horizonte ', DATE '2024-10-02', 'espaço no fim')`,
  );
  const lake = join(dir, 'lake');
  const config = parseConfig(
    { source: { kind: 'duckdb', duckdb: { path: source } }, lake: { root: lake } },
    join(dir, 'cvc.yaml'),
  );
  const loaded: LoadedConfig = {
    file: join(dir, 'cvc.yaml'),
    config,
    paths: { lake, tracking: join(dir, 'tracking'), registry: join(dir, 'registry'), demoSource: source, data: dir },
  };
  await runIngest({ loaded, full: true, today: '2025-12-31' });
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    const from = await scanSql(c, join(lake, 'features'));
    const [r] = (
      await c.runAndReadAll(`SELECT count(*)::INTEGER AS rows,
        md5(string_agg(t::VARCHAR, chr(10) ORDER BY t.store_id, t.date)) AS md5 FROM ${from} t`)
    ).getRowObjectsJS();
    expect({ rows: r!['rows'], md5: r!['md5'] }).toEqual(EXPECTED);
    // The respelled city holidays apply (São Paulo, 2024-03-11 is no national holiday).
    const [sp] = (
      await c.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${from} t
      WHERE t.city = 'São Paulo' AND t.date = DATE '2024-03-11' AND t.is_holiday`)
    ).getRowObjectsJS();
    expect(Number(sp!['n'])).toBeGreaterThan(0);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
});
