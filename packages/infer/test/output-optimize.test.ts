// The forecast table is clustered after each write (issue 13): the incremental OPTIMIZE compacts the
// small per-as-of files into clustered ones, commits nothing when there is nothing to compact, and
// delta-rs reads the same rows.
import { python } from '../../../test-support/python.js';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { history, loadSnapshot } from '@cvc/lakehouse';
import { writeForecastRows } from '../src/index.js';
import { routedForecasts, tempDir } from './forecast-rows.js';

const dir = tempDir('cvc-infer-optimize-');

const forecasts = (stores: number, start: string) =>
  routedForecasts(
    Array.from({ length: stores }, (_, s) => String(s + 1)),
    start,
    35,
    (s) => 100 + s,
    10,
  );

it('infer OPTIMIZEs the forecast table after its write, incrementally', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const table = join(dir, 'forecasts');
  const meta = (asOf: string) => ({ asOf, horizon: 35, bundleVersion: '1', runId: `run-${asOf}`, lineage: {} });
  // One as-of date: a single clustered file, nothing to compact, one commit.
  const first = await writeForecastRows(conn, table, forecasts(12, '2025-07-01'), meta('2025-06-30'));
  expect(first.optimizeVersion).toBeNull();
  for (const asOf of ['2025-07-01', '2025-07-02']) {
    const r = await writeForecastRows(conn, table, forecasts(12, asOf), meta(asOf));
    expect(r.optimizeVersion).toBe(r.commit.version + 1);
    const snap = await loadSnapshot(table);
    expect(snap.files).toHaveLength(1);
    expect(snap.files[0]!.add.clusteringProvider).toBe('liquid');
  }
  const ops = (await history(table)).map((h) => h.operation);
  expect(ops.filter((o) => o === 'OPTIMIZE')).toHaveLength(2);
  const [row] = (
    await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n, count(DISTINCT as_of_date)::INTEGER AS d
    FROM read_parquet('${join(table, (await loadSnapshot(table)).files[0]!.path)}')`)
  ).getRowObjectsJS();
  expect(row).toEqual({ n: 3 * 12 * 35, d: 3 });
  conn.closeSync();
  instance.closeSync();
  const n = await python<number>(
    `import sys
from deltalake import DeltaTable
print(DeltaTable(sys.argv[1]).to_pyarrow_table().num_rows)`,
    table,
  );
  expect(n).toBe(3 * 12 * 35);
});
