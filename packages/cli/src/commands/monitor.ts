import type { Command } from 'commander';
import { AlertsFiredError } from '@cvc/core';
import { monitorSummary, runMonitor, type MonitorResult } from '@cvc/monitor';
import { createContext, fmt, type GlobalOptions } from '../context.js';
import { failOn, isoDate } from './options.js';

export const MONITOR_EXIT_CODES =
  'Exit codes: 0 checked (alerts only reported); 1 the job failed; 2 bad usage or config; ' +
  '4 alerts fired with --fail-on alert.';

/** Human lines of a monitor run, shared with `cvc daily`. */
export function monitorLines(r: MonitorResult): string[] {
  const c = r.metrics.chain;
  const buckets = Object.entries(r.metrics.chainByBucket)
    .map(([b, a]) => `${b}: ${fmt.pct(a.wape)}`)
    .join(', ');
  return [
    `monitor: ${fmt.int(r.update.added)} accuracy rows added, ${fmt.int(r.update.updated)} updated; ` +
      `${r.metrics.byStore.size} stores` +
      `${r.window ? ` over ${r.window.from}..${r.window.to}` : ' (no actuals yet)'}, ${fmt.s(r.seconds)}`,
    ...(r.window
      ? [
          `  chain WAPE ${fmt.pct(c.wape)} (backtest ${r.baseline?.wape == null ? 'n/a' : fmt.pct(r.baseline.wape)}),` +
            ` bias ${fmt.pct(c.bias)}, p10-p90 coverage ${fmt.pct(c.coverage)}; by horizon ${buckets}; ` +
            `open days only (${fmt.int(c.n)} forecasts scored, ${fmt.int(r.metrics.closed)} on closed days left out)`,
        ]
      : []),
    ...(r.alerts.length === 0
      ? ['  no alerts']
      : r.alerts.map(
          (a) =>
            `  ALERT ${a.kind}: ${a.message}${
              a.stores.length ? ` [${a.stores.slice(0, 20).join(', ')}${a.stores.length > 20 ? ', ...' : ''}]` : ''
            }`,
        )),
    ...(r.page ? [`  page: ${r.page}`] : []),
  ];
}

export function registerMonitor(program: Command, globals: () => GlobalOptions): void {
  program
    .command('monitor')
    .description(
      'join forecasts with the actuals that arrived (table forecast_accuracy), compare rolling accuracy ' +
        'with the backtest, raise alerts',
    )
    .option(
      '--today <date>',
      'the day the check runs for (staleness, model age); default today (UTC)',
      isoDate('--today'),
    )
    .option('--fail-on <when>', 'alert: exit 4 when any alert fires; never: only report them', failOn, 'never')
    .addHelpText('after', `\n${MONITOR_EXIT_CODES}`)
    .action(async (o: { today?: string; failOn: 'alert' | 'never' }) => {
      const ctx = createContext('monitor', globals());
      const r = await runMonitor({
        loaded: ctx.loaded,
        runId: ctx.runId,
        log: ctx.log,
        ...(o.today ? { today: o.today } : {}),
      });
      ctx.done(monitorSummary(r), monitorLines(r));
      if (o.failOn === 'alert' && r.alerts.length > 0) {
        throw new AlertsFiredError(
          `${r.alerts.length} alert(s) fired: ${r.alerts.map((a) => a.kind).join(', ')} (--fail-on alert)`,
        );
      }
    });
}
