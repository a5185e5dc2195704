import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError } from '@cvc/core';
import { storeForecastView, svgChart, textChart } from '@cvc/infer';
import { createContext, type GlobalOptions } from '../context.js';
import { isoDate, positiveInt } from './options.js';

export function registerForecast(program: Command, globals: () => GlobalOptions): void {
  const forecast = program.command('forecast').description('look at forecasts written by `cvc infer`');
  forecast
    .command('show')
    .description("a store's latest forecast beside its recent history, as a text chart (and an SVG with --svg)")
    .requiredOption('--store <id>', 'store id')
    .option('--as-of <date>', 'the forecast made as of this date (default: the latest)', isoDate('--as-of'))
    .option('--days <n>', 'days of history to show', positiveInt('--days'), 56)
    .option('--svg <file>', 'also write the chart as an SVG file')
    .action(async (o: { store: string; asOf?: string; days: number; svg?: string }) => {
      const ctx = createContext('forecast show', globals(), { reads: true });
      const view = await storeForecastView(ctx.loaded, o.store, {
        historyDays: o.days,
        ...(o.asOf ? { asOf: o.asOf } : {}),
      });
      if (o.svg) {
        const svg = o.svg;
        await writeFile(svg, svgChart(view)).catch((err: NodeJS.ErrnoException) => {
          // A missing folder or a file that cannot be written is the flag's fault (exit 2), not the job's.
          if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'ENOTDIR')
            throw new InputError(`--svg ${svg}: cannot write the chart there (${err.code}); does its folder exist?`);
          throw err;
        });
      }
      ctx.done({ ...view, ...(o.svg ? { svg: o.svg } : {}) }, [
        ...textChart(view),
        ...(o.svg ? [`  chart: ${o.svg}`] : []),
      ]);
    });
}
