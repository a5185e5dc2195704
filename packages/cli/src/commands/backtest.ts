import type { Command } from 'commander';
import { checkShardRunName, mergeShardedBacktest, runBacktestJob, type BacktestJobResult } from '@cvc/backtest';
import { InputError, shardRunId, type Shard } from '@cvc/core';
import { createContext, fmt, type GlobalOptions } from '../context.js';
import { modelList, nonNegativeInt, positiveInt, shardFlag } from './options.js';

export function registerBacktest(program: Command, globals: () => GlobalOptions): void {
  program
    .command('backtest')
    .description(
      'walk-forward validation of the models (plus baselines) over all stores; picks the best model per store',
    )
    .option(
      '--models <list>',
      'comma-separated models: tft,nbeats,lgbm,ensemble (default: config backtest.models); baselines always run; ' +
        'ensemble mixes the others',
      modelList,
    )
    .option('--folds <n>', 'number of walk-forward folds (default: config backtest.folds)', positiveInt('--folds'))
    .option('--stride <days>', 'days between fold cutoffs (default: config backtest.stride)', positiveInt('--stride'))
    .option(
      '--gap <days>',
      'days between a cutoff and the first scored day (default: config backtest.gap)',
      nonNegativeInt('--gap'),
    )
    .option(
      '--horizon <days>',
      'days forecast and scored after each cutoff (default: config forecast.horizon)',
      positiveInt('--horizon'),
    )
    .option(
      '--workers <n>',
      'worker threads for the heavy models (default: config backtest.workers)',
      positiveInt('--workers'),
    )
    .option('--resume', 'continue an interrupted backtest with the same data and settings', false)
    .option(
      '--shard <i/n|merge>',
      'only the stores of shard i of n (FNV-1a hash of store_id mod n; i from 0), or merge the finished shards',
      shardFlag,
    )
    .option('--run-id <name>', 'name of a sharded run, shared by its shards and the merge (required with --shard)')
    .action(
      async (o: {
        models?: string[];
        folds?: number;
        stride?: number;
        gap?: number;
        horizon?: number;
        workers?: number;
        resume: boolean;
        shard?: Shard | 'merge';
        runId?: string;
      }) => {
        const { shard, runId: run, ...rest } = o;
        const ctx = createContext('backtest', globals());
        if (shard !== undefined && run === undefined)
          throw new InputError('--shard needs --run-id <name>, the same for every shard and the merge');
        if (shard === undefined && run !== undefined)
          throw new InputError('--run-id is only for sharded runs (--shard)');
        if (shard === 'merge') {
          const m = await mergeShardedBacktest({ loaded: ctx.loaded, run: run!, log: ctx.log });
          const what = m.alreadyMerged ? 'already merged' : `merged ${m.shards} shards, global best ${m.globalBest}`;
          ctx.done({ ...m }, [`backtest ${m.runId}: ${what}; ${m.stores} stores in the choice`]);
          return;
        }
        const r = await runBacktestJob({
          loaded: ctx.loaded,
          runId: shard ? shardRunId(checkShardRunName(run!), shard) : ctx.runId,
          ...(shard ? { shard } : {}),
          log: ctx.log,
          onProgress: ctx.progress,
          ...rest,
        });
        const { summary, lines } = backtestOutput(r);
        ctx.done(summary, lines);
      },
    );
}

/** What `cvc backtest` prints: the JSON summary and the leaderboard lines (the HTML report is the job's). */
export function backtestOutput(r: BacktestJobResult): { summary: Record<string, unknown>; lines: string[] } {
  const summary = {
    runId: r.runId,
    stores: r.stores,
    folds: r.folds,
    leaderboard: r.leaderboard,
    leaderboardByFormat: r.leaderboardByFormat,
    choiceCounts: r.choiceCounts,
    coverage: r.coverage,
    globalBest: r.globalBest,
    failures: r.failures,
    timings: r.timings,
    tables: r.tables,
    report: r.reportPath,
    trackingRunId: r.trackingRunId,
    seconds: r.seconds,
  };
  const lines = [
    `backtest ${r.runId}: ${r.stores} stores, ${plural(r.folds.length, 'fold')} (cutoffs ${r.folds[0]!.cutoff} ` +
      `.. ${r.folds[r.folds.length - 1]!.cutoff}), ${fmt.s(r.seconds)}`,
    ...leaderboardLines(r),
    `  report: ${r.reportPath}`,
    `  tracked: ${r.trackingBackend} run ${r.trackingRunId}`,
    `  tables: ${r.tables.forecasts}, ${r.tables.metrics}, ${r.tables.choice}`,
  ];
  return { summary, lines };
}

export const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The leaderboard as `cvc backtest` and `cvc demo` print it: WAPE, stores chosen, fit time, coverage. */
export function leaderboardLines(r: BacktestJobResult): string[] {
  return [
    '  model            WAPE    stores chosen   fit time   ' +
      'p10-p90 coverage: raw / calibrated (later folds, nominal 80%)',
    ...r.leaderboard.map((l) => {
      const t = r.timings.find((x) => x.model === l.model);
      const c = r.coverage.find((x) => x.model === l.model);
      const cov = c ? `${fmt.pct(c.rawLater).padStart(6)} / ${fmt.pct(c.calibratedLater).padStart(6)}` : '';
      return (
        `  ${l.model.padEnd(15)} ${fmt.pct(l.wape).padStart(6)}   ` +
        `${String(r.choiceCounts[l.model] ?? 0).padStart(6)}   ${fmt.s(t?.fitSeconds ?? 0).padStart(8)}   ${cov}`
      );
    }),
    ...r.failures.map((f) => `  FAILED ${f.model} fold ${f.fold}: ${f.error}`),
  ];
}
