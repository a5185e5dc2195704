import { expect, test } from 'vitest';
import { createLogger } from '@cvc/core';
import { runIngest } from '../src/index.js';
import { configFor, tempDir, writeSmallSource } from './helpers.js';
import { join } from 'node:path';
import { readStoreSeries, lakeTables } from '@cvc/feature-table';
import { DuckDBInstance } from '@duckdb/node-api';

test('smoke', async () => {
  const { dir } = tempDir();
  await writeSmallSource(join(dir, 'source.duckdb'));
  const loaded = configFor(dir);
  const s = await runIngest({ loaded, today: '2025-01-11', log: createLogger({ command: 'ingest', runId: 'x', level: 'info' }) });
  console.log(JSON.stringify(s, null, 1));
  const s2 = await runIngest({ loaded, today: '2025-01-11' });
  console.log(JSON.stringify(s2, null, 1));
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  const series = await readStoreSeries(conn, lakeTables(loaded));
  console.log(series[1]);
  expect(series.length).toBe(2);
});
