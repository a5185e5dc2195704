import type { Command } from 'commander';
import { resolveBundle, runInfer, type BundleRef } from '@cvc/infer';
import { createContext, fmt, type GlobalOptions } from '../context.js';
import { InputError, type Shard } from '@cvc/core';
import { isoDate, positiveInt, shardFlag } from './options.js';

export function registerInfer(program: Command, globals: () => GlobalOptions): void {
  program
    .command('infer')
    .description(
      'forecast every open store from the last day of data and write bip_vprevisao_lojas_futuro ' +
        '(safe to rerun from cron)',
    )
    .option(
      '--horizon <days>',
      'days to forecast, 1 to the bundle horizon (default: config forecast.horizon)',
      positiveInt('--horizon'),
    )
    .option(
      '--as-of <date>',
      'last day of data to forecast from (default: last complete day in the feature table)',
      isoDate('--as-of'),
    )
    .option('--alias <name>', 'registry alias of the bundle (default: config infer.alias)')
    .option('--version <n>', 'registry version of the bundle', positiveInt('--version'))
    .option('--bundle <path>', 'a bundle directory or exported .tar.gz instead of the registry')
    .option('--strict', 'fail when a store is skipped for stale data', false)
    .option(
      '--shard <i/n>',
      'only the stores of shard i of n (FNV-1a hash of store_id mod n; i from 0); replaces only their rows',
      shardFlag,
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 forecasts written; 1 the job failed; 2 bad usage, config, input or bundle; 3 another ' +
        'infer run held the lock too long.',
    )
    .action(
      async (o: {
        horizon?: number;
        asOf?: string;
        alias?: string;
        version?: number;
        bundle?: string;
        strict: boolean;
        shard?: Shard | 'merge';
      }) => {
        const ctx = createContext('infer', globals());
        if (o.shard === 'merge')
          throw new InputError('infer --shard takes i/n: each shard writes its own rows, there is nothing to merge');
        const ref: BundleRef | undefined = o.bundle
          ? { path: o.bundle }
          : o.version
            ? { version: o.version }
            : o.alias
              ? { alias: o.alias }
              : undefined;
        const { bundleDir, bundleVersion } = await resolveBundle(ctx.loaded, ref, ctx.log);
        const r = await runInfer({
          loaded: ctx.loaded,
          bundleDir,
          bundleVersion,
          ...(o.horizon ? { horizon: o.horizon } : {}),
          ...(o.asOf ? { asOf: o.asOf } : {}),
          strict: o.strict,
          ...(o.shard ? { shard: o.shard } : {}),
          runId: ctx.runId,
          log: ctx.log,
          onProgress: ctx.progress,
        });
        ctx.done({ ...r }, [
          `infer${r.shard ? ` shard ${r.shard}` : ''}: ${r.storesForecast} stores forecast, ` +
            `${r.skipped.length} skipped, ${r.horizon} days from ${r.asOf}, bundle ${r.bundleVersion}, ` +
            `${fmt.s(r.seconds)}`,
          `  by model: ${Object.entries(r.byModel)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}${r.fallbackStores ? ` (fallback for ${r.fallbackStores})` : ''}`,
          ...(r.skipped.length
            ? [
                `  skipped: ${r.skipped
                  .slice(0, 20)
                  .map((s) => `${s.storeId} (${s.reason}${s.lastDataDay ? `, last ${s.lastDataDay}` : ''})`)
                  .join(', ')}${r.skipped.length > 20 ? ', ...' : ''}`,
              ]
            : []),
          `  table: ${r.table} (version ${r.tableVersion}, ${fmt.int(r.rows)} rows)`,
        ]);
      },
    );
}
