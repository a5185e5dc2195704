import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { writeDemoSource } from '@cvc/demo-source';
import { runIngest } from '@cvc/ingest';
import { lakeTables } from '@cvc/feature-table';
import { ingestProgress } from './ingest.js';
import { runBacktestJob } from '@cvc/backtest';
import { trainAndRegister } from '@cvc/train';
import { resolveBundle, runInfer } from '@cvc/infer';
import { createContext, fmt, type GlobalOptions, type RunContext } from '../context.js';
import { isoDate, modelList, nonNegativeInt, positiveInt } from './options.js';
import { simulateDays, simulatedDayLine } from '../simulate.js';
import { DEFAULT_CONFIG, cvcCommand } from '../invocation.js';
import { leaderboardLines, plural } from './backtest.js';
import { InvalidArgumentError } from 'commander';
import { demoOutputs, releaseAll, removeOutputs, takeRunLocks } from './demo-fresh.js';

function storeList(v: string): number[] {
  const ids = v.split(',').map((s) => Number(s.trim()));
  if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new InvalidArgumentError(`--shift-stores expects comma-separated store ids, e.g. 3,7, got "${v}"`);
  }
  return ids;
}

function factor(v: string): number {
  const x = Number(v);
  if (!(x > 0)) throw new InvalidArgumentError(`--shift-factor expects a positive number, e.g. 0.6, got "${v}"`);
  return x;
}

interface SourceFlags {
  stores?: number;
  seed?: number;
  from?: string;
  asOf?: string;
  badRows?: number;
}

async function initSource(ctx: RunContext, o: SourceFlags) {
  const d = ctx.loaded.config.demo;
  const r = await writeDemoSource({
    path: ctx.loaded.paths.demoSource,
    stores: o.stores ?? d.stores,
    from: o.from ?? d.from,
    asOf: o.asOf ?? d.asOf,
    seed: o.seed ?? d.seed,
    ...(o.badRows !== undefined ? { badRows: o.badRows } : {}),
  });
  ctx.log.info(
    { path: r.path, stores: r.stores, dailySales: r.dailySales, seconds: r.generateSeconds + r.writeSeconds },
    'demo source written',
  );
  return r;
}

function sourceFlagsOf(o: SourceFlags): SourceFlags {
  const { stores, seed, from, asOf, badRows } = o;
  return Object.fromEntries(Object.entries({ stores, seed, from, asOf, badRows }).filter(([, v]) => v !== undefined));
}

const sourceOptions = (c: Command) =>
  c
    .option('--stores <n>', 'number of stores (default: config demo.stores, 150)', positiveInt('--stores'))
    .option('--seed <n>', 'random seed (default: config demo.seed, 42)', nonNegativeInt('--seed'))
    .option('--from <date>', 'first day of sales history (default: config demo.from, 2019-01-01)', isoDate('--from'))
    .option('--as-of <date>', 'last day of sales history (default: config demo.asOf, 2025-12-31)', isoDate('--as-of'))
    .option(
      '--bad-rows <n>',
      'bad rows injected for the quality gate to catch (default 5)',
      nonNegativeInt('--bad-rows'),
    );

export function registerDemo(program: Command, globals: () => GlobalOptions): void {
  const demo = sourceOptions(
    program
      .command('demo')
      .description('run ingest -> backtest -> train -> infer end to end on the embedded demo source (offline)'),
  )
    .option('--models <list>', 'models to backtest (default: config backtest.models); baselines always run', modelList)
    .option('--folds <n>', 'backtest folds (default: config backtest.folds)', positiveInt('--folds'))
    .option(
      '--stride <days>',
      'days between backtest fold cutoffs (default: config backtest.stride)',
      positiveInt('--stride'),
    )
    .option(
      '--horizon <days>',
      'days forecast and scored after each backtest cutoff (default: config forecast.horizon)',
      positiveInt('--horizon'),
    )
    .option(
      '--workers <n>',
      'worker threads for the heavy models in the backtest (default: config backtest.workers)',
      positiveInt('--workers'),
    )
    .option(
      '--fresh',
      'start over: remove the lake tables, checkpoints, reports, registry and tracking, regenerate the source ' +
        '(refused while a cvc daily or infer holds its lock)',
      false,
    )
    .option(
      '--days <n>',
      'days of `cvc daily` simulated after training (default: config demo.simulateDays, 14; 0: none)',
      nonNegativeInt('--days'),
    )
    .option(
      '--shift-stores <ids>',
      'scenario: these stores lose sales from the first simulated day on (a competitor opens)',
      storeList,
    )
    .option('--shift-factor <x>', 'scenario: their sales are multiplied by this', factor, 0.6)
    .action(
      async (
        o: SourceFlags & {
          models?: string[];
          folds?: number;
          stride?: number;
          horizon?: number;
          workers?: number;
          fresh: boolean;
          days?: number;
          shiftStores?: number[];
          shiftFactor: number;
        },
      ) => {
        const ctx = createContext('demo', globals());
        const t0 = performance.now();
        const lines: string[] = [];
        if (o.fresh) {
          const outputs = demoOutputs(ctx.loaded);
          const locks = await takeRunLocks(ctx.loaded, ctx.runId);
          const removed = await removeOutputs(outputs).finally(() => releaseAll(locks));
          ctx.log.info({ removed }, 'demo --fresh: earlier outputs removed');
          if (removed.length > 0) lines.push(`fresh: removed an earlier demo's outputs (${removed.length} paths)`);
        }
        const exists = existsSync(ctx.loaded.paths.demoSource);
        if (!exists || o.fresh) {
          const s = await initSource(ctx, o);
          lines.push(`demo source: ${s.path} (${s.stores} stores, ${fmt.int(s.dailySales)} daily rows)`);
        } else lines.push(`demo source: ${ctx.loaded.paths.demoSource} (existing; --fresh regenerates it)`);

        // The demo's "today" is its as-of date: rows dated after it are future dates to the quality gate.
        const ingest = await runIngest({
          loaded: ctx.loaded,
          today: o.asOf ?? ctx.loaded.config.demo.asOf,
          log: ctx.log,
          onProgress: ingestProgress(ctx.progress),
        });
        lines.push(
          `ingest: ${fmt.int(ingest.rowsRead)} rows read, ${fmt.int(ingest.rowsQuarantined)} quarantined -> ` +
            `${lakeTables(ctx.loaded).features}`,
        );
        // An earlier demo's simulated days stay in the source and the lake: the folds then end after the as-of
        // date. That continues the earlier run, so it is said, not refused.
        const asOfDay = o.asOf ?? ctx.loaded.config.demo.asOf;
        if (ingest.lastDay !== null && ingest.lastDay > asOfDay) {
          const why = `the lake holds sales through ${ingest.lastDay}, after the as-of date ${asOfDay}`;
          ctx.log.warn({ lastDay: ingest.lastDay, asOf: asOfDay }, `${why}: an earlier demo's simulated days`);
          lines.push(`note: ${why} (an earlier demo's simulated days): backtest folds end there; --fresh starts over`);
        }

        const bt = await runBacktestJob({
          loaded: ctx.loaded,
          runId: ctx.runId,
          log: ctx.log,
          onProgress: ctx.progress,
          ...(o.models ? { models: o.models } : {}),
          ...(o.folds ? { folds: o.folds } : {}),
          ...(o.stride ? { stride: o.stride } : {}),
          ...(o.horizon ? { horizon: o.horizon } : {}),
          ...(o.workers ? { workers: o.workers } : {}),
        });
        lines.push(
          `backtest: ${bt.stores} stores, ${plural(bt.folds.length, 'fold')}, ` +
            `${plural(bt.failures.length, 'failed fold')} -> ${bt.reportPath}`,
          ...leaderboardLines(bt),
        );

        const asOf = ingest.lastDay ?? o.asOf ?? ctx.loaded.config.demo.asOf;
        const train = await trainAndRegister({
          loaded: ctx.loaded,
          from: `${ctx.loaded.config.demo.trainFrom}-01-01`.slice(0, 10),
          to: asOf,
          runId: ctx.runId,
          log: ctx.log,
          onProgress: ctx.progress,
          promote: 'always',
        });
        lines.push(
          `train: ${train.registry.name} version ${train.registered.version} (champion) -> ${train.bundleDir}`,
        );

        const { bundleDir, bundleVersion } = await resolveBundle(ctx.loaded, { alias: 'champion' }, ctx.log);
        const inf = await runInfer({
          loaded: ctx.loaded,
          bundleDir,
          bundleVersion,
          runId: ctx.runId,
          log: ctx.log,
          onProgress: ctx.progress,
        });
        lines.push(`infer: ${inf.storesForecast} stores x ${inf.horizon} days from ${inf.asOf} -> ${inf.table}`);

        // A simulated fortnight: each day the source gets that day's sales and `cvc daily` runs.
        const days = o.days ?? ctx.loaded.config.demo.simulateDays;
        const d = ctx.loaded.config.demo;
        let simulatedDone = 0;
        const simulated =
          days === 0
            ? []
            : await simulateDays({
                loaded: ctx.loaded,
                source: { stores: o.stores ?? d.stores, from: o.from ?? d.from, asOf, seed: o.seed ?? d.seed },
                days,
                ...(o.shiftStores ? { shift: { stores: o.shiftStores, factor: o.shiftFactor } } : {}),
                log: ctx.log,
                onDay: (r, appended) => {
                  lines.push(simulatedDayLine(r, appended));
                  ctx.progress({ phase: 'daily', done: ++simulatedDone, total: days, detail: r.today });
                },
              });
        const last = simulated.at(-1);
        if (last?.monitor?.page) lines.push(`monitoring page: ${last.monitor.page}`);
        const store =
          Object.keys(train.manifest.routing.stores).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))[0] ??
          '1';
        // The config flag too when it is not the default, so the suggestion runs as printed.
        const config = globals().config === DEFAULT_CONFIG ? '' : ` --config ${globals().config}`;
        lines.push(
          `done in ${fmt.s((performance.now() - t0) / 1000)}; try: ${cvcCommand()}${config} forecast show ` +
            `--store ${store}`,
        );
        ctx.done(
          {
            source: ctx.loaded.paths.demoSource,
            ingest,
            backtest: {
              runId: bt.runId,
              leaderboard: bt.leaderboard,
              choiceCounts: bt.choiceCounts,
              failures: bt.failures,
              report: bt.reportPath,
            },
            train: { version: train.registered.version, bundleDir: train.bundleDir, models: train.models },
            infer: inf,
            daily: simulated.map((r) => ({
              today: r.today,
              exitCode: r.exitCode,
              steps: r.steps,
              alerts: r.alerts.map((a) => ({ kind: a.kind, stores: a.stores })),
            })),
            monitoringPage: last?.monitor?.page ?? null,
            seconds: (performance.now() - t0) / 1000,
          },
          lines,
        );
      },
    );

  sourceOptions(
    demo.command('init').description('write the demo source database (a stand-in for Azure SQL) under data/'),
  )
    .option('--force', 'overwrite an existing demo source', false)
    .action(async (own: SourceFlags & { force: boolean }) => {
      // Commander hands flags that `demo` also declares (--stores, --seed...) to `demo`, wherever they
      // stand on the line (global options may follow a subcommand), so init reads them from there too.
      const o = { ...sourceFlagsOf(demo.opts<SourceFlags>()), ...sourceFlagsOf(own), force: own.force };
      const ctx = createContext('demo init', globals());
      if (existsSync(ctx.loaded.paths.demoSource) && !o.force) {
        ctx.done({ path: ctx.loaded.paths.demoSource, written: false }, [
          `demo source exists: ${ctx.loaded.paths.demoSource} (--force rewrites it)`,
        ]);
        return;
      }
      const r = await initSource(ctx, o);
      ctx.done({ ...r, written: true }, [
        `demo source: ${r.path}: ${r.stores} stores, ${fmt.int(r.dailySales)} daily sales rows, ${r.promotions} ` +
          `promotions, ${r.stateHolidays} state holidays, ${r.badRows.length} bad rows, ` +
          `${fmt.s(r.generateSeconds + r.writeSeconds)}`,
      ]);
    });
}
