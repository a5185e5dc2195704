import type { Command } from 'commander';
import { Option } from 'commander';
import { trainAndRegister } from '@cvc/train';
import { mergeFinishedShards } from '@cvc/backtest';
import { InputError } from '@cvc/core';
import type { PromoteRule } from '@cvc/mlops';
import { createContext, fmt, type GlobalOptions } from '../context.js';
import { modelList, positiveInt, requireInput, yearOrDate } from './options.js';
import { plural } from './backtest.js';

interface TrainFlags {
  from?: string;
  to?: string;
  models?: string[];
  promote?: PromoteRule;
  alias: string;
  shard?: string;
  workers?: number;
}

export function registerTrain(program: Command, globals: () => GlobalOptions): void {
  program
    .command('train')
    .description(
      'train the final models (the per-store choice of the last backtest) and register one UnifiedForecaster bundle',
    )
    .option(
      '--from <year|date>',
      'first training day: a year (2021 = 2021-01-01) or YYYY-MM-DD (required unless config train.from is set; ' +
        'the demo config sets 2021)',
      yearOrDate('--from', 'start'),
    )
    .option(
      '--to <year|date>',
      'last training day: a year (2025 = 2025-12-31) or YYYY-MM-DD (default: last day in the feature table)',
      yearOrDate('--to', 'end'),
    )
    .option('--models <list>', 'train these models instead of the backtest choice', modelList)
    .option(
      '--workers <n>',
      'models fitted at once on worker threads (default: config train.workers)',
      positiveInt('--workers'),
    )
    .addOption(
      new Option('--promote <rule>', 'promotion rule for the new version (default: config registry.promote)').choices([
        'manual',
        'better-wape',
        'always',
      ]),
    )
    .option('--alias <name>', 'alias a promotion moves', 'champion')
    .option('--shard <i/n>', 'not supported: train fits global models on every store (shard the backtest instead)')
    .action(async (o: TrainFlags) => {
      const ctx = createContext('train', globals());
      if (o.shard !== undefined) {
        throw new InputError(
          'train --shard: train is not sharded; its models are global (fitted on every store) and one bundle ' +
            'routes all stores. Shard `cvc backtest` (the per-store part: metrics, choice, calibration), then ' +
            'run `cvc train` once: it merges a finished sharded backtest first',
        );
      }
      // The first step: a finished sharded backtest newer than the latest choice becomes that choice.
      if (!o.models)
        for (const m of await mergeFinishedShards({ loaded: ctx.loaded, log: ctx.log }))
          ctx.log.info({ runId: m.runId, shards: m.shards, stores: m.stores }, 'merged the sharded backtest');
      const configured = ctx.loaded.config.train.from;
      requireInput(
        o.from !== undefined || configured !== null,
        `train: no first training day: pass --from (e.g. --from 2021) or set train.from in ${ctx.loaded.file}`,
      );
      const from = o.from ?? yearOrDate('train.from', 'start')(configured!);
      requireInput(!o.to || from <= o.to, `--from ${from} is after --to ${o.to}`);
      const r = await trainAndRegister({
        loaded: ctx.loaded,
        from,
        ...(o.to ? { to: o.to } : {}),
        ...(o.models ? { models: o.models } : {}),
        ...(o.workers ? { workers: o.workers } : {}),
        ...(o.promote ? { promote: o.promote } : {}),
        alias: o.alias,
        runId: ctx.runId,
        log: ctx.log,
        onProgress: ctx.progress,
      });
      ctx.done(
        {
          version: r.registered.version,
          promoted: r.registered.promoted,
          reason: r.registered.reason,
          bundleDir: r.bundleDir,
          bundleId: r.manifest.bundleId,
          window: r.window,
          models: r.models,
          stores: r.stores,
          featureVersion: r.featureVersion,
          backtestRunId: r.backtestRunId,
          trackingRunId: r.trackingRunId,
          seconds: r.seconds,
        },
        [
          `train: ${r.registry.name} version ` +
            `${r.registered.version}${r.registered.promoted ? ` is now ${o.alias}` : ''} (${r.registered.reason}), ` +
            `trained ${r.window.from}..${r.window.to} on ${r.stores} stores in ${fmt.s(r.seconds)}`,
          ...r.models.map(
            (m) => `  ${m.kind.padEnd(15)} ${plural(m.stores, 'store').padStart(10)}  fit ${fmt.s(m.fitSeconds)}`,
          ),
          `  bundle: ${r.bundleDir}`,
        ],
      );
    });
}
