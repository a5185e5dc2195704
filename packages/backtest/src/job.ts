// The whole `cvc backtest` job as the CLI, the demo and the benchmarks run it: the backtest, its HTML
// report, and the tracked runs (MLflow or local Delta).
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolveLocale } from '@cvc/core';
import { assertFeatureTable, lakeTables } from '@cvc/feature-table';
import { failAbandonedRuns, openTracker, trackingSettings } from '@cvc/mlops';
import { randomUUID } from 'node:crypto';
import { resolveModels, runBacktest, type BacktestOptions, type BacktestResult } from './backtest.js';
import { writeReport, writeStoreCharts } from './report.js';
import { startBacktestTracking } from './track.js';

export interface BacktestJobResult extends BacktestResult {
  reportPath: string;
  trackingRunId: string;
  trackingBackend: string;
}

export async function runBacktestJob(opts: BacktestOptions): Promise<BacktestJobResult> {
  const runId = opts.runId ?? randomUUID();
  // Nothing to backtest is bad input, refused before a tracked run is opened for it.
  await assertFeatureTable(lakeTables(opts.loaded));
  const tracker = await openTracker(trackingSettings(opts.loaded), opts.log ? { log: opts.log } : {});
  try {
    // Runs a killed backtest left RUNNING are marked FAILED before this one starts.
    await failAbandonedRuns(tracker, opts.log);
    // The parent run exists (RUNNING) from the start; folds are logged as they finish.
    const models = resolveModels(opts.models ?? opts.loaded.config.backtest.models);
    const live = await startBacktestTracking(tracker, opts.loaded.config, { runId, models });
    let r: BacktestResult;
    let reportPath: string;
    let leaderboardPath: string;
    let chartsDir: string;
    try {
      r = await runBacktest({ ...opts, runId, onFoldScored: (e) => live.foldDone(e) });
      const reports = join(opts.loaded.paths.data, 'reports');
      await mkdir(reports, { recursive: true });
      const locale = resolveLocale(opts.loaded.config.ui.locale);
      reportPath = await writeReport(join(reports, `backtest-${r.runId}.html`), r, { locale });
      chartsDir = join(reports, `backtest-${r.runId}-stores`);
      await writeStoreCharts(chartsDir, r, opts.loaded.config.backtest.storeCharts, { locale });
      leaderboardPath = join(reports, `backtest-${r.runId}-leaderboard.json`);
      await writeFile(
        leaderboardPath,
        JSON.stringify(
          {
            leaderboard: r.leaderboard,
            byFormat: r.leaderboardByFormat,
            choiceCounts: r.choiceCounts,
            coverage: r.coverage,
            failures: r.failures,
          },
          (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
          2,
        ),
      );
    } catch (err) {
      await live.fail(err);
      throw err;
    }
    await live.finish(r, [reportPath, leaderboardPath, { path: chartsDir, name: 'store-charts' }]);
    return { ...r, reportPath, trackingRunId: live.runId, trackingBackend: tracker.backend };
  } finally {
    await tracker.close();
  }
}
