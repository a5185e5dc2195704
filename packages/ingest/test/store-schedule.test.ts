// The planned opening schedule (source.files.storeSchedule / source.tables.storeSchedule): ingest
// copies it into the lake, and the forecast window infer and the backtest build (futureWindow) reads
// is_open from it before the store's learned weekly pattern. A bad row fails the run with exit 2,
// naming the source, the row and the field, and leaves the lake as it was.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { exitCodeOf, parseConfig, type LoadedConfig } from '@cvc/core';
import { loadSnapshot } from '@cvc/lakehouse';
import { futureWindow, lakeTables, readKnownFutureInputs, readStoreSeries } from '@cvc/feature-table';
import { runIngest, SourceError } from '../src/index.js';
import { checkSchedule } from '../src/quality/schedule-rows.js';
import { tempDir, withDuckDb } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

function filesConfig(): LoadedConfig {
  const file = join(dir, 'cvc.yaml');
  const storeSchedule = './export/schedule-*.csv';
  const files = { sales: './export/sales.csv', stores: './export/stores.csv', storeSchedule };
  const tables = { promotions: null, holidays: null };
  const config = parseConfig(
    {
      source: { kind: 'files', files, tables, columns: { nSales: null, updatedAt: null } },
      lake: { root: './lake' },
    },
    file,
  );
  return { file, config, paths: { lake: join(dir, 'lake'), tracking: '', registry: '', demoSource: '', data: dir } };
}

function writeSource(schedule: string): void {
  mkdirSync(join(dir, 'export'), { recursive: true });
  const stores = ['A1,Loja A,BA,Salvador,mall,2024-01-01,', 'B2,Loja B,PE,Recife,street,2024-01-01,'];
  const header = 'store_id,store_name,state,city,format,opened_on,closed_on';
  writeFileSync(join(dir, 'export', 'stores.csv'), `${header}\n${stores.join('\n')}\n`);
  // 8 weeks of history to 2025-01-05, both stores open every day.
  const lines: string[] = [];
  for (let d = 0; d < 56; d++) {
    const day = new Date(Date.UTC(2024, 10, 11 + d)).toISOString().slice(0, 10);
    lines.push(`A1,${day},${1000 + d},1`, `B2,${day},${2000 + d},1`);
  }
  writeFileSync(join(dir, 'export', 'sales.csv'), `store_id,sale_date,gross_sales,is_open\n${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'export', 'schedule-1.csv'), schedule);
}

const GOOD = 'store_id,weekday,schedule_date,is_open\nA1,sun,,0\nB2,,2025-01-08,false\nA1,,2025-01-12,1\n';

test('the schedule reaches the forecast window: weekday rows and planned dates beat the learned pattern', async () => {
  writeSource(GOOD);
  const loaded = filesConfig();
  await runIngest({ loaded, today: '2025-01-06' });
  const windows = await withDuckDb(':memory:', async (conn) => {
    const tables = lakeTables(loaded);
    const inputs = await readKnownFutureInputs(conn, tables, { pandemic: null });
    const series = await readStoreSeries(conn, tables);
    return series.map((s) => [s.storeId, Array.from(futureWindow(inputs, s, 14).is_open)]);
  });
  // Window Monday 2025-01-06 .. Sunday 01-19: A1 closes on Sundays but opens on Sunday 12 January (a
  // date row wins over a weekday row); B2 closes on 8 January only. History alone says open every day.
  expect(windows).toEqual([
    ['A1', [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]],
    ['B2', [1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
  ]);
});

test('a bad schedule row fails ingest with exit 2 naming the source, row and field; lake untouched', async () => {
  writeSource(GOOD);
  const loaded = filesConfig();
  await runIngest({ loaded, today: '2025-01-06' });
  const tables = lakeTables(loaded);
  const versions = async () => [
    (await loadSnapshot(tables.features)).version,
    (await loadSnapshot(tables.storeSchedule)).version,
  ];
  const before = await versions();
  writeSource('store_id,weekday,schedule_date,is_open\nA1,sun,,0\nB2,9,,0\n');
  const err = await runIngest({ loaded, today: '2025-01-06', full: true }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SourceError);
  expect(exitCodeOf(err)).toBe(2);
  expect((err as Error).message).toMatch(
    /source\.files\.storeSchedule \(.*schedule-\*\.csv\).*row 2 \(store_id B2\): weekday: expected 0/,
  );
  expect(await versions()).toEqual(before);
});

test('schedule row checks: unknown store, weekday xor date, open flag, date, day names', () => {
  const known = new Set(['A1']);
  const row = (r: Record<string, string | null>) => ({
    store_id: 'A1',
    weekday: null,
    schedule_date: null,
    is_open: '1',
    ...r,
  });
  const msg = (r: Record<string, string | null>) => {
    try {
      checkSchedule([row(r)], known, 'src');
      return 'ok';
    } catch (e) {
      return (e as Error).message;
    }
  };
  expect(msg({ store_id: 'ZZ', weekday: '1' })).toMatch(/row 1 \(store_id ZZ\): store_id: store ZZ is not in/);
  expect(msg({ weekday: '1', schedule_date: '2025-01-01' })).toMatch(/weekday: give exactly one of weekday and/);
  expect(msg({})).toMatch(/weekday: give exactly one/);
  expect(msg({ weekday: '1', is_open: 'maybe' })).toMatch(/is_open: expected 1, 0, true or false, got "maybe"/);
  expect(msg({ schedule_date: '2025-02-30' })).toMatch(/schedule_date: expected a date YYYY-MM-DD, got "2025/);
  const named = [row({ weekday: 'Saturday', is_open: '0' }), row({ weekday: '0' })];
  expect(checkSchedule(named, known, 'src')).toEqual([
    { storeId: 'A1', weekday: 5, open: false },
    { storeId: 'A1', weekday: 0, open: true },
  ]);
});
