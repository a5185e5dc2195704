// runMonitor against real Delta tables in a temp dir: forecast_accuracy grows only by newly observed
// days, a rerun adds nothing, a late correction updates its rows (delta-rs reads them back), and the
// alerts fire from known errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreWindow } from '@cvc/core';
import { runMonitor, type MonitorResult } from '../src/index.js';
import { FIRST_DAY, readWithDeltaRs, testLake, type TestLake } from './lake.js';

// Stores 1 and 2 forecast 5 % high; store 3 is 30 % high (drift, bias, coverage); store 4 is dropped
// from the last forecast set.
const errors = (s: number) => (s === 3 ? 0.3 : 0.05);
const asOfs = [
  '2025-03-01',
  '2025-03-02',
  '2025-03-03',
  '2025-03-04',
  '2025-03-05',
  '2025-03-06',
  '2025-03-07',
  '2025-03-08',
  '2025-03-09',
  '2025-03-10',
];

let lake: TestLake;
let first: MonitorResult;

describe('runMonitor', () => {
  beforeAll(async () => {
    lake = await testLake('monitor: { windowDays: 28, minDays: 5, maxStaleDays: 3, maxModelAgeDays: 90 }\n');
    await lake.addActuals('2025-01-01', FIRST_DAY);
    for (const a of asOfs) await lake.addForecasts(a, a === asOfs.at(-1) ? [1, 2, 3] : [1, 2, 3, 4], errors);
    await lake.addActuals('2025-03-02', '2025-03-10');
    first = await runMonitor({ loaded: lake.loaded, runId: 'm1', today: '2025-03-11' });
  }, 120_000);

  it('adds one row per forecast day whose actual has arrived', async () => {
    // Forecast as of day a covers a+1..a+35; actuals run to 03-10. 4 stores for as-of 03-01..03-09,
    // 3 for 03-10 (none observed).
    const perStore = asOfs.slice(0, -1).reduce((s, _a, i) => s + (9 - i), 0);
    expect(first.update).toMatchObject({ added: 4 * perStore, updated: 0 });
    expect(await readWithDeltaRs(first.table)).toHaveLength(4 * perStore);
  });

  it('adds nothing on a rerun and commits nothing', async () => {
    const again = await runMonitor({ loaded: lake.loaded, runId: 'm2', today: '2025-03-11', track: false });
    expect(again.update).toMatchObject({ added: 0, updated: 0, version: first.update.version });
  });

  it('adds only the new day, and a late correction updates its rows in place', async () => {
    await lake.addActuals('2025-03-11', '2025-03-11');
    await lake.correct(2, '2025-03-05', 5000);
    const r = await runMonitor({ loaded: lake.loaded, runId: 'm3', today: '2025-03-12', track: false });
    // 03-11 is covered by as-of 03-01..03-10: 4 stores x 9 + 3 stores x 1; 03-05 by as-of 03-01..03-04.
    expect(r.update).toMatchObject({ added: 4 * 9 + 3, updated: 4 });
    const rows = await readWithDeltaRs(r.table);
    const corrected = rows.filter((x) => x.store_id === '2' && x.forecast_date === '2025-03-05');
    expect(corrected.map((x) => x.actual)).toEqual([5000, 5000, 5000, 5000]);
    expect(rows).toHaveLength(4 * 45 + 4 * 9 + 3);
    await lake.correct(2, '2025-03-05', 1200);
    const back = await runMonitor({ loaded: lake.loaded, runId: 'm4', today: '2025-03-12', track: false });
    expect(back.update).toMatchObject({ added: 0, updated: 4 });
  });

  it('computes WAPE, bias and coverage per store and horizon bucket', () => {
    const s1 = first.metrics.byStore.get('1')!;
    expect(s1.wape).toBeCloseTo(0.05, 10);
    expect(s1.bias).toBeCloseTo(0.05, 10);
    expect(s1.coverage).toBe(1);
    const s3 = first.metrics.byStore.get('3')!;
    expect(s3.wape).toBeCloseTo(0.3, 10);
    expect(s3.coverage).toBe(0);
    expect(first.metrics.rows.filter((r) => r.storeId === '1').map((r) => r.bucket)).toEqual(['1-7', '8-14']);
    expect(first.window).toEqual({ from: '2025-02-11', to: '2025-03-10' });
  });

  it('raises drift, bias, coverage and skipped-store alerts for exactly the stores concerned', () => {
    const kinds = Object.fromEntries(first.alerts.map((a) => [a.kind, a]));
    expect(kinds['accuracy_drift']).toMatchObject({ stores: ['3'], chain: false });
    expect(kinds['accuracy_drift']!.numbers['3']).toMatchObject({ wape: 0.3, backtestWape: 0.1, ratio: 3 });
    expect(kinds['bias']).toMatchObject({ stores: ['3'] });
    expect(kinds['coverage']).toMatchObject({ stores: ['3'] });
    expect(kinds['stores_skipped']).toMatchObject({ stores: ['4'] });
    expect(kinds['stale_data']).toBeUndefined();
    expect(kinds['model_age']).toBeUndefined();
    expect(first.trackingRunId).toMatch(/.+/);
  });

  it('alerts on stale data and an old model', async () => {
    const r = await runMonitor({ loaded: lake.loaded, runId: 'm5', today: '2025-07-01', track: false });
    const kinds = r.alerts.map((a) => a.kind);
    expect(kinds).toContain('stale_data');
    expect(kinds).toContain('model_age');
    expect(r.alerts.find((a) => a.kind === 'stale_data')!.numbers['chain']).toMatchObject({
      lastFeatureDay: '2025-03-11',
      ageDays: 112,
    });
  });
});

describe('runMonitor on a long history', () => {
  it('fills forecast_accuracy a few weeks per commit, with every observed day once', async () => {
    const long = await testLake();
    await long.addActuals('2025-01-01', '2025-03-01');
    const asOfs = Array.from({ length: 40 }, (_, k) => new Date(Date.UTC(2025, 2, 1 + k)).toISOString().slice(0, 10));
    for (const a of asOfs) await long.addForecasts(a, [1, 2, 3, 4], () => 0.02);
    await long.addActuals('2025-03-02', '2025-04-10');
    const r = await runMonitor({ loaded: long.loaded, runId: 'long', today: '2025-04-11', track: false, page: false });
    // as-of 03-01 + k sees 04-10 - (03-01 + k) days
    const observed = asOfs.reduce((n, _a, k) => n + Math.min(35, 40 - k), 0);
    expect(r.update.added).toBe(4 * observed);
    // Forecast days 03-02..04-10 are 40 days: two chunks of CHUNK_DAYS (28), two commits after the create.
    expect(r.update.version).toBe(2);
    expect(await readWithDeltaRs(r.table)).toHaveLength(4 * observed);
  }, 120_000);
});

describe('runMonitor on closed days', () => {
  it('scores open days only, as the backtest does, and marks the closed ones', async () => {
    // Every store is closed on 03-05 (a holiday): actual 0 against a forecast of a normal day. Scored,
    // it would add 100 % of a day's sales to the error; left out, WAPE stays at the 5 % of open days.
    const lake = await testLake('monitor: { minDays: 3 }\n');
    await lake.addActuals('2025-01-01', FIRST_DAY);
    for (const a of ['2025-03-01', '2025-03-02', '2025-03-03']) await lake.addForecasts(a, [1, 2, 3, 4], () => 0.05);
    await lake.addActuals('2025-03-02', '2025-03-08');
    await lake.close('2025-03-05');
    const r = await runMonitor({
      loaded: lake.loaded,
      runId: 'closed',
      today: '2025-03-09',
      track: false,
      page: false,
    });
    const rows = await readWithDeltaRs(r.table);
    const closedRows = rows.filter((x) => x.forecast_date === '2025-03-05');
    expect(closedRows.map((x) => x.actual)).toEqual(Array(12).fill(0));
    expect(r.metrics.closed).toBe(12);
    // The backtest's scoring (core scoreWindow, closed days excluded) on store 1's forecast as of 03-01.
    const days = Array.from({ length: 7 }, (_, k) => `2025-03-0${k + 2}`);
    const actual = Float64Array.from(days, (d) => (d === '2025-03-05' ? 0 : 1100));
    const isOpen = Float64Array.from(days, (d) => (d === '2025-03-05' ? 0 : 1));
    const backtest = scoreWindow({ actual, p50: new Float64Array(7).fill(1100 * 1.05), isOpen }, 1);
    expect(backtest.wape).toBeCloseTo(0.05, 10);
    expect(r.metrics.byStore.get('1')!.wape).toBeCloseTo(backtest.wape, 10);
    expect(r.metrics.chain.wape).toBeCloseTo(0.05, 10);
    expect(r.metrics.chain.n).toBe(rows.length - 12);
    expect(r.alerts.map((a) => a.kind)).not.toContain('accuracy_drift');
  }, 120_000);
});
