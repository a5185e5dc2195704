// The HTML report opened in headless Chromium (Debian's package): it must load offline without a
// console error and hold the leaderboard and every chart.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StoreSeries } from '@cvc/core';
import { writeReport } from '../src/report.js';
import type { BacktestResult } from '../src/backtest.js';
import { useOracle } from '../../../test-support/oracles.js';

function series(id: string, format: string, n: number): StoreSeries {
  const sales = Float64Array.from({ length: n }, (_, i) => 1000 + 300 * Math.sin((2 * Math.PI * i) / 7) + 10 * id.length * i);
  return { storeId: id, start: '2025-01-01', sales, past: {}, future: { is_open: new Float64Array(n + 35).fill(1) }, statics: { format, state: 'SP' } };
}

function result(): BacktestResult {
  const stores = [series('1', 'mall', 200), series('22', 'street', 200), series('333', 'airport', 200)];
  const fc = (s: StoreSeries, bias: number) => {
    const p50 = Float64Array.from(s.sales.subarray(165, 200), (v) => v * bias);
    return { storeId: s.storeId, start: '2025-06-15', p10: p50.map((v) => v * 0.8), p50, p90: p50.map((v) => v * 1.2) };
  };
  const lb = (model: string, wape: number) => ({ model, wape, meanStoreWape: wape, stores: 3 });
  return {
    runId: 'report-test',
    folds: [{ fold: 0, cutoff: '2025-06-14', testStart: '2025-06-15', testEnd: '2025-07-19' }],
    models: ['seasonal_naive', 'lgbm'],
    stores: 3,
    leaderboard: [lb('lgbm', 0.1), lb('seasonal_naive', 0.2)],
    leaderboardByFormat: { mall: [lb('lgbm', 0.1)], street: [lb('seasonal_naive', 0.2)] },
    wapeByHorizonDay: { lgbm: Array.from({ length: 35 }, (_, h) => 0.08 + h * 0.001), seasonal_naive: Array.from({ length: 35 }, () => 0.2) },
    choices: stores.map((s) => ({ storeId: s.storeId, model: 'lgbm', wape: 0.1, folds: 1, reason: 'best' as const })),
    globalBest: 'lgbm',
    choiceCounts: { lgbm: 3 },
    failures: [{ model: 'tft', fold: 0, error: 'out of <memory> & "time"' }],
    timings: [],
    scores: [],
    outcomes: [{ model: 'lgbm', fold: 0, forecasts: stores.map((s) => fc(s, 1.05)), fitSeconds: 1, predictSeconds: 0.1, metrics: {}, resumed: false }],
    series: stores,
    featureVersion: 3,
    tables: { forecasts: 'f', metrics: 'm', choice: 'c' },
    coverage: [{ model: 'lgbm', nominal: 0.8, raw: 0.7, rawLater: 0.71, calibratedLater: 0.795, days: 105 }],
    calibration: {},
    ensembleWeights: null,
    learnedFile: 'learned.json',
    seconds: 12,
  };
}

describe.skipIf(!useOracle('chromium'))('backtest report', () => {
  it('opens in headless Chromium with no console error, the leaderboard and every chart', async () => {
    const file = await writeReport(join(mkdtempSync(join(tmpdir(), 'cvc-report-')), 'report.html'), result());
    const profile = mkdtempSync(join(tmpdir(), 'cvc-chromium-'));
    const r = spawnSync(
      'chromium',
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${file}`],
      { encoding: 'utf8', timeout: 90_000 },
    );
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    const consoleErrors = r.stderr.split('\n').filter((l) => /CONSOLE|Uncaught|SyntaxError/.test(l));
    expect(consoleErrors).toEqual([]);
    const dom = r.stdout;
    expect(dom).toContain('<h2>Leaderboard</h2>');
    expect(dom).toMatch(/data-table="coverage".*<td>lgbm<\/td><td>80.0%<\/td><td>70.0%<\/td><td>71.0%<\/td><td>79.5%<\/td>/s);
    expect(dom.match(/data-chart="wape-by-horizon"/g)).toHaveLength(1);
    expect(dom).toMatch(/<text [^>]*style="fill:#1f77b4"[^>]*>lgbm<\/text>/); // legend in the line's colour
    expect(dom.match(/data-chart="store-forecast"/g)).toHaveLength(3);
    expect(dom).toContain('out of &lt;memory&gt; &amp; "time"'); // escaped, not injected
    expect(dom.match(/<polyline/g)!.length).toBeGreaterThanOrEqual(2 + 3 * 2);
  });
});
