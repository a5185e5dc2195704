// The HTML report opened in headless Chromium (Debian's package): it must load offline without a
// console error and hold the leaderboard and every chart.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StoreSeries } from '@cvc/core';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createLocalTracker, showRun } from '@cvc/mlops';
import { parseCvcConfig } from '@cvc/models';
import { storesToChart, writeReport, writeStoreCharts } from '../src/report.js';
import { trackBacktest } from '../src/track.js';
import type { BacktestResult } from '../src/backtest.js';
import { runChild } from '../../../test-support/child.js';
import { useOracle } from '../../../test-support/oracles.js';

function series(id: string, format: string, n: number): StoreSeries {
  const sales = Float64Array.from(
    { length: n },
    (_, i) => 1000 + 300 * Math.sin((2 * Math.PI * i) / 7) + 10 * id.length * i,
  );
  return {
    storeId: id,
    start: '2025-01-01',
    sales,
    past: {},
    future: { is_open: new Float64Array(n + 35).fill(1) },
    statics: { format, state: 'SP' },
  };
}

// Store ids sort as numbers in the report (4 before 22); 22 closed for good; 2025-06-20 (horizon day 6)
// closes stores 1 and 22, half of the four.
const CLOSED_INDEX = 170;
function stores(): StoreSeries[] {
  const out = [
    series('1', 'mall', 200),
    series('22', 'street', 200),
    series('333', 'airport', 200),
    series('4', 'mall', 200),
  ];
  for (const s of out.slice(0, 2)) s.future['is_open']![CLOSED_INDEX] = 0;
  return out;
}

const metrics = (wape: number, mae: number) => ({
  n: 35,
  wape,
  mae,
  rmse: mae * 1.5,
  smape: wape,
  mase: wape * 10,
  bias: 0.05,
  pinball: mae / 3,
  coverage80: 0.9,
});

function result(): BacktestResult {
  const stores_ = stores();
  const fc = (s: StoreSeries, bias: number) => {
    const p50 = Float64Array.from(s.sales.subarray(165, 200), (v) => v * bias);
    return { storeId: s.storeId, start: '2025-06-15', p10: p50.map((v) => v * 0.8), p50, p90: p50.map((v) => v * 1.2) };
  };
  const lb = (model: string, wape: number) => ({ model, wape, meanStoreWape: wape, stores: 4 });
  // lgbm: WAPE 5% (MAE 50 + store index) per store; seasonal_naive 10% (MAE 100 + index).
  const scores = stores_.flatMap((s, i) => [
    {
      model: 'lgbm',
      fold: 0,
      storeId: s.storeId,
      format: s.statics['format']!,
      metrics: metrics(0.05, 50 + i),
      wape: 0.05,
      absError: 5,
      actualSum: 100,
    },
    {
      model: 'seasonal_naive',
      fold: 0,
      storeId: s.storeId,
      format: s.statics['format']!,
      metrics: metrics(0.1, 100 + i),
      wape: 0.1,
      absError: 10,
      actualSum: 100,
    },
  ]);
  return {
    runId: 'report-test',
    folds: [{ fold: 0, cutoff: '2025-06-14', testStart: '2025-06-15', testEnd: '2025-07-19' }],
    models: ['seasonal_naive', 'lgbm'],
    stores: 4,
    leaderboard: [lb('lgbm', 0.05), lb('seasonal_naive', 0.1)],
    leaderboardByFormat: { mall: [lb('lgbm', 0.1)], street: [lb('seasonal_naive', 0.2)] },
    wapeByHorizonDay: {
      lgbm: Array.from({ length: 35 }, (_, h) => 0.08 + h * 0.001),
      seasonal_naive: Array.from({ length: 35 }, () => 0.2),
    },
    choices: stores_.map((s) => ({ storeId: s.storeId, model: 'lgbm', wape: 0.05, folds: 1, reason: 'best' as const })),
    globalBest: 'lgbm',
    choiceCounts: { lgbm: 4 },
    failures: [{ model: 'tft', fold: 0, error: 'out of <memory> & "time"' }],
    timings: [],
    scores,
    // p50 = 1.05 x actual (p10 0.84, p90 1.26): no actual at or below p10, all at or below p50 and p90.
    // seasonal_naive p50 = 0.9 x actual (p10 0.72, p90 1.08): none below p10 or p50, all below p90.
    outcomes: [
      {
        model: 'lgbm',
        fold: 0,
        forecasts: stores_.map((s) => fc(s, 1.05)),
        fitSeconds: 1,
        predictSeconds: 0.1,
        metrics: {},
        resumed: false,
      },
      {
        model: 'seasonal_naive',
        fold: 0,
        forecasts: stores_.map((s) => fc(s, 0.9)),
        fitSeconds: 0,
        predictSeconds: 0,
        metrics: {},
        resumed: false,
      },
    ],
    series: stores_,
    featureVersion: 3,
    tables: { forecasts: 'f', metrics: 'm', choice: 'c' },
    coverage: [{ model: 'lgbm', nominal: 0.8, raw: 0.7, rawLater: 0.71, calibratedLater: 0.795, days: 105 }],
    calibration: {},
    ensembleWeights: null,
    learnedFile: 'learned.json',
    choiceContext: {
      lastDay: '2025-07-19',
      closedOn: { '22': '2025-07-01' },
      shortHistory: [],
      minHistory: 180,
      tieTolerance: 0.01,
      minFolds: 1,
    },
    // Summed over trees as lgbmFeatureImportance gives them, sorted by gain.
    lgbmImportance: {
      fold: 0,
      cutoff: '2025-06-14',
      features: [
        { feature: 'sales_lag_7', gain: 5234.25, split: 120 },
        { feature: 'is_open', gain: 1800.5, split: 15 },
        { feature: 'dow', gain: 965.25, split: 88 },
        { feature: 'promo<x>', gain: 0, split: 0 },
      ],
    },
    seconds: 12,
  };
}

/** The DOM headless Chromium builds from the report file; fails on a console error. */
async function dumpDom(file: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'cvc-chromium-'));
  const r = await runChild(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      '--enable-logging=stderr',
      '--v=0',
      '--dump-dom',
      `file://${file}`,
    ],
    { timeoutMs: 90_000 },
  );
  expect(r.status).toBe(0);
  const consoleErrors = r.stderr.split('\n').filter((l) => /CONSOLE|Uncaught|SyntaxError/.test(l));
  expect(consoleErrors).toEqual([]);
  return r.stdout;
}

describe.skipIf(!(await useOracle('chromium')))('backtest report', () => {
  it('opens in headless Chromium with no console error, the leaderboard and every chart', async () => {
    const file = await writeReport(join(mkdtempSync(join(tmpdir(), 'cvc-report-')), 'report.html'), result());
    const dom = await dumpDom(file);
    expect(dom).toContain('<h2>Leaderboard</h2>');
    expect(dom).toMatch(
      /data-table="coverage".*<td>lgbm<\/td><td>80.0%<\/td><td>70.0%<\/td><td>71.0%<\/td><td>79.5%<\/td>/s,
    );
    expect(dom.match(/data-chart="wape-by-horizon"/g)).toHaveLength(1);
    expect(dom).toMatch(/<text [^>]*style="fill:#1f77b4"[^>]*>lgbm<\/text>/); // legend in the line's colour
    expect(dom.match(/data-chart="store-forecast"/g)).toHaveLength(3); // open stores only (22 is closed)
    expect(dom).toContain('out of &lt;memory&gt; &amp; "time"'); // escaped, not injected
    expect(dom.match(/<polyline/g)!.length).toBeGreaterThanOrEqual(2 + 3 * 2);

    // Header: singular fold, the closed store counted apart.
    expect(dom).toContain('4 stores; 1 store closed for good (not forecast), 1 fold (cutoffs');
    expect(dom).not.toMatch(/\b1 folds\b/);
    // Leaderboard: the closed store is not "chosen".
    expect(dom).toMatch(/<tr class="best"><td>lgbm<\/td><td>5.0%<\/td><td>5.0%<\/td><td>4<\/td><td>3<\/td><\/tr>/);

    // Metrics: every metric of backtest_metrics, each the mean of the fixture's store windows.
    const table = (name: string) => new RegExp(`data-table="${name}"[^>]*>(.*?)</table>`, 's').exec(dom)?.[1] ?? '';
    const metricsTable = table('metrics');
    for (const h of ['WAPE (pooled)', 'MAE', 'RMSE', 'sMAPE', 'MASE', 'bias', 'pinball', 'p10-p90 coverage'])
      expect(metricsTable).toContain(`<th>${h}</th>`);
    const cell = (model: string, metric: string) =>
      new RegExp(`data-model="${model}".*?data-metric="${metric}">([^<]*)<`, 's').exec(metricsTable)?.[1];
    expect(cell('lgbm', 'wape')).toBe('5.0%');
    expect(cell('lgbm', 'mae')).toBe('R$52'); // mean of 50, 51, 52, 53 = 51.5, shown in whole reais
    expect(cell('seasonal_naive', 'rmse')).toBe('R$152'); // 1.5 x 101.5 = 152.25
    expect(cell('lgbm', 'mase')).toBe('0.500');
    expect(cell('lgbm', 'coverage80')).toBe('90.0%');

    // Calibration: share of actuals at or below p10 / p50 / p90, hand-checked from the biases above.
    expect(dom.match(/data-chart="calibration"/g)).toHaveLength(1);
    expect(table('calibration')).toMatch(/<td>lgbm<\/td><td>0.0%<\/td><td>100.0%<\/td><td>100.0%<\/td>/);
    expect(table('calibration')).toMatch(/<td>seasonal_naive<\/td><td>0.0%<\/td><td>0.0%<\/td><td>100.0%<\/td>/);
    expect(dom).toMatch(/data-chart="calibration".*<polyline data-model="lgbm"/s);

    // Closed days: 2025-06-20 had 2 of 4 stores open; its horizon day (6) is shaded in the chart.
    expect(table('closed-days')).toMatch(/<td>2025-06-20<\/td><td>1<\/td><td>6<\/td><td>2<\/td><td>4<\/td>/);
    expect(dom.match(/data-closed-day="6"/g)).toHaveLength(1);

    // Choices: store ids in numeric order, the closed store marked, the reason against the runner-up.
    const choiceIds = [...table('choices').matchAll(/<tr data-store="(\w+)"/g)].map((m) => m[1]);
    expect(choiceIds).toEqual(['1', '4', '22', '333']);
    expect(table('choices')).toMatch(
      /<tr data-store="22" class="closed"><td>22<\/td><td>street<\/td><td>SP<\/td><td>closed 2025-07-01<\/td>/,
    );
    expect(table('choices')).toContain('lowest WAPE 5.0% over 1 fold; runner-up seasonal_naive 10.0%');

    // Drill-down: one section per store, each with both models' lines and their WAPE.
    const sections = [...dom.matchAll(/<details data-store="(\w+)">(.*?)<\/details>/gs)];
    expect(sections.map((m) => m[1])).toEqual(['1', '4', '22', '333']);
    for (const [, , body] of sections) {
      expect(body!.match(/<polyline data-model="(lgbm|seasonal_naive)"/g)).toHaveLength(2);
      expect(body).toMatch(/<tr data-model="seasonal_naive"><td>seasonal_naive<\/td><td>10.0%<\/td>/);
    }
  });

  it('shows LightGBM feature importance with the numbers of the tracked JSON artifact', async () => {
    const r = result();
    const dir = mkdtempSync(join(tmpdir(), 'cvc-report-'));
    const root = join(dir, 'tracking');
    const charts = join(dir, 'stores');
    await writeStoreCharts(charts, r, { worst: 1, first: 1 });
    const tracker = await createLocalTracker(root, 'cvc-report-test');
    const parentId = await trackBacktest(tracker, r, parseCvcConfig({}), [{ path: charts, name: 'store-charts' }]);
    await tracker.close();
    const parent = await showRun(root, parentId);
    const kids = await Promise.all(parent.children.map((id) => showRun(root, id)));
    const lgbm = kids.find((k) => k.name === 'lgbm')!;
    expect(lgbm.artifacts).toEqual([
      'importance/lgbm_feature_importance.json',
      'importance/lgbm_gain.svg',
      'importance/lgbm_split.svg',
    ]);
    const json = JSON.parse(
      await readFile(join(lgbm.artifactDir, 'importance', 'lgbm_feature_importance.json'), 'utf8'),
    ) as { fold: number; features: { feature: string; gain: number; split: number }[] };
    // Per-store charts on the parent run: every open store ties at 5%, so the worst is the first by id.
    expect(parent.artifacts).toEqual(['store-charts/store-1.svg']);

    const file = await writeReport(join(dir, 'report.html'), r);
    const dom = await dumpDom(file);
    const table = new RegExp('data-table="importance"[^>]*>(.*?)</table>', 's').exec(dom)?.[1] ?? '';
    expect(dom).toContain('<h2>LightGBM feature importance</h2>');
    expect(dom.match(/data-chart="importance"/g)).toHaveLength(1);
    const total = json.features.reduce((a, x) => a + x.gain, 0);
    const rows = [...table.matchAll(/<tr data-feature="([^"]*)">(.*?)<\/tr>/gs)];
    expect(rows).toHaveLength(json.features.length);
    rows.forEach(([, feature, cells], i) => {
      const x = json.features[i]!;
      const escaped = x.feature.replace('<', '&lt;').replace('>', '&gt;');
      expect(feature).toBe(escaped);
      const shown = [...cells!.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
      const gain = x.gain.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
      expect(shown).toEqual([String(i + 1), escaped, gain, `${((100 * x.gain) / total).toFixed(1)}%`, String(x.split)]);
    });
    expect(table).toContain('<td>1</td><td>sales_lag_7</td><td>5,234.3</td><td>65.4%</td><td>120</td>');
  });
});

describe('store charts beside the report', () => {
  it('picks the worst open stores by chosen WAPE, then the first by id, never a closed store', async () => {
    const r = result();
    r.choices = r.choices.map((c) => ({ ...c, wape: { '1': 0.1, '22': 0.9, '333': 0.3, '4': 0.2 }[c.storeId]! }));
    expect(storesToChart(r, { worst: 2, first: 2 })).toEqual(['333', '4', '1']);
    expect(storesToChart(r, { worst: 0, first: 0 })).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'cvc-charts-'));
    await mkdir(join(dir, 'old'), { recursive: true });
    await writeFile(join(dir, 'old', 'store-x.svg'), '');
    const written = await writeStoreCharts(join(dir, 'old'), r, { worst: 1, first: 0 });
    expect(written).toEqual(['store-333.svg']);
    expect(await readdir(join(dir, 'old'))).toEqual(['store-333.svg']);
    const svg = await readFile(join(dir, 'old', 'store-333.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<polyline data-model="(lgbm|seasonal_naive)"/g)).toHaveLength(2);
  });
});
