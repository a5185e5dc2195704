// User-defined known-future columns (source.columns.future): ingest carries their observed values
// into the feature table as known-future covariates and keeps the rows dated after the as-of date
// (planned values, no sales yet) in the future covariates table; infer's forecast window reads them,
// reading the feature table for days it holds, so infer at a past cutoff sees what a backtest sees.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { exitCodeOf, parseConfig, type LoadedConfig, type StoreSeries } from '@cvc/core';
import {
  extendWithFuture,
  lakeTables,
  readFutureValues,
  readKnownFutureInputs,
  readStoreSeries,
} from '@cvc/feature-table';
import { runIngest } from '../src/index.js';
import { tempDir, withDuckDb } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

function filesConfig(future: string[]): LoadedConfig {
  const file = join(dir, 'cvc.yaml');
  const files = { sales: './export/sales.csv', stores: './export/stores.csv' };
  const tables = { promotions: null, holidays: null };
  const config = parseConfig(
    {
      source: { kind: 'files', files, tables, columns: { nSales: null, updatedAt: null, future } },
      lake: { root: './lake' },
    },
    file,
  );
  return { file, config, paths: { lake: join(dir, 'lake'), tracking: '', registry: '', demoSource: '', data: dir } };
}

const day = (i: number) => new Date(Date.UTC(2024, 10, 11 + i)).toISOString().slice(0, 10);
/** The flag of a store on day i: every fifth day, shifted per store. */
const flagOf = (store: number, i: number) => ((i + store) % 5 === 0 ? 1 : 0);

/** 8 weeks of history (2024-11-11 .. 2025-01-05) and 14 planned days after it (sales empty). */
function writeSource(skip?: { store: string; date: string }): void {
  mkdirSync(join(dir, 'export'), { recursive: true });
  const stores = ['A1,Loja A,BA,Salvador,mall,2024-01-01,', 'B2,Loja B,PE,Recife,street,2024-01-01,'];
  const header = 'store_id,store_name,state,city,format,opened_on,closed_on';
  writeFileSync(join(dir, 'export', 'stores.csv'), `${header}\n${stores.join('\n')}\n`);
  const lines: string[] = [];
  for (let d = 0; d < 56 + 14; d++) {
    ['A1', 'B2'].forEach((id, k) => {
      if (skip && skip.store === id && skip.date === day(d)) return;
      const sales = d < 56 ? String((1000 + d) * (1 + flagOf(k, d))) : '';
      lines.push(`${id},${day(d)},${sales},${d < 56 ? 1 : ''},${flagOf(k, d)}`);
    });
  }
  const head = 'store_id,sale_date,gross_sales,is_open,school_holiday';
  writeFileSync(join(dir, 'export', 'sales.csv'), `${head}\n${lines.join('\n')}\n`);
}

async function windowAt(loaded: LoadedConfig, asOf: string, days: number): Promise<StoreSeries[]> {
  return withDuckDb(':memory:', async (conn) => {
    const tables = lakeTables(loaded);
    const series = await readStoreSeries(conn, tables, { to: asOf });
    const known = await readKnownFutureInputs(conn, tables, { pandemic: null });
    const end = new Date(Date.parse(asOf) + days * 86_400_000).toISOString().slice(0, 10);
    const from = new Date(Date.parse(asOf) + 86_400_000).toISOString().slice(0, 10);
    const futureValues = await readFutureValues(conn, tables, ['school_holiday'], from, end);
    return extendWithFuture(series, days, { ...known, futureValues });
  });
}

test('ingest carries a future column as a known-future covariate; infer reads the planned rows', async () => {
  writeSource();
  const loaded = filesConfig(['school_holiday']);
  const summary = await runIngest({ loaded, today: '2025-01-06' });
  expect(summary.lastDay).toBe('2025-01-05');
  expect(summary.rowsQuarantined).toBe(0);
  const [a, b] = await withDuckDb(':memory:', (conn) => readStoreSeries(conn, lakeTables(loaded)));
  expect(Object.keys(a!.past)).not.toContain('school_holiday');
  expect(Array.from(a!.future['school_holiday']!)).toEqual(Array.from({ length: 56 }, (_, i) => flagOf(0, i)));
  expect(Array.from(b!.future['school_holiday']!)).toEqual(Array.from({ length: 56 }, (_, i) => flagOf(1, i)));
  // The forecast window after the last observed day comes from the rows dated after it.
  const extended = await windowAt(loaded, '2025-01-05', 14);
  extended.forEach((s, k) =>
    expect(Array.from(s.future['school_holiday']!.subarray(56))).toEqual(
      Array.from({ length: 14 }, (_, i) => flagOf(k, 56 + i)),
    ),
  );
});

test('parity: infer at a past cutoff reads the values the backtest reads from the feature table', async () => {
  writeSource();
  const loaded = filesConfig(['school_holiday']);
  await runIngest({ loaded, today: '2025-01-06' });
  const full = await withDuckDb(':memory:', (conn) => readStoreSeries(conn, lakeTables(loaded)));
  // Cutoff 2024-12-22 (day 41): the backtest's fold window holds the feature table's days 42..55.
  const extended = await windowAt(loaded, '2024-12-22', 14);
  extended.forEach((s, k) => {
    expect(s.sales.length).toBe(42);
    expect(Array.from(s.future['school_holiday']!.subarray(42))).toEqual(
      Array.from(full[k]!.future['school_holiday']!.subarray(42, 56)),
    );
  });
});

test('a missing planned value fails infer with exit 2 naming the column, the store and the day', async () => {
  writeSource({ store: 'B2', date: '2025-01-10' });
  const loaded = filesConfig(['school_holiday']);
  await runIngest({ loaded, today: '2025-01-06' });
  const err = await windowAt(loaded, '2025-01-05', 14).catch((e: unknown) => e);
  expect(exitCodeOf(err)).toBe(2);
  expect(String(err)).toMatch(/source\.columns\.future "school_holiday": no value for store B2 on 2025-01-10/);
  // A window that ends before the gap is fine.
  await expect(windowAt(loaded, '2025-01-05', 4)).resolves.toHaveLength(2);
});

test(
  'a configured future column the source lacks fails ingest with exit 2 ' + 'naming source.columns.future[i]',
  async () => {
    writeSource();
    const loaded = filesConfig(['school_holiday', 'marketing_push']);
    const err = await runIngest({ loaded, today: '2025-01-06' }).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(2);
    expect(String(err)).toMatch(/source\.columns\.future\[1\]: column "marketing_push" is not in the source/);
  },
);
