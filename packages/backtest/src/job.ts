// The whole `cvc backtest` job as the CLI, the demo and the benchmarks run it: the backtest, its HTML
// report, and the tracked runs (MLflow or local Delta).
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolveLocale } from '@cvc/core';
import { openTracker, trackingSettings } from '@cvc/mlops';
import { runBacktest, type BacktestOptions, type BacktestResult } from './backtest.js';
import { writeReport } from './report.js';
import { trackBacktest } from './track.js';

export interface BacktestJobResult extends BacktestResult {
  reportPath: string;
  trackingRunId: string;
  trackingBackend: string;
}

export async function runBacktestJob(opts: BacktestOptions): Promise<BacktestJobResult> {
  const r = await runBacktest(opts);
  const reports = join(opts.loaded.paths.data, 'reports');
  await mkdir(reports, { recursive: true });
  const reportPath = await writeReport(join(reports, `backtest-${r.runId}.html`), r, {
    locale: resolveLocale(opts.loaded.config.ui.locale),
  });
  const leaderboardPath = join(reports, `backtest-${r.runId}-leaderboard.json`);
  await writeFile(leaderboardPath, JSON.stringify({ leaderboard: r.leaderboard, byFormat: r.leaderboardByFormat, choiceCounts: r.choiceCounts, coverage: r.coverage, failures: r.failures }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
  const tracker = await openTracker(trackingSettings(opts.loaded), opts.log ? { log: opts.log } : {});
  try {
    const trackingRunId = await trackBacktest(tracker, r, opts.loaded.config, [reportPath, leaderboardPath]);
    return { ...r, reportPath, trackingRunId, trackingBackend: tracker.backend };
  } finally {
    await tracker.close();
  }
}
