// The demo's simulated fortnight: each day the demo source receives that day's sales, then `cvc daily`
// runs for it, so the monitoring page fills with accuracy by horizon as actuals arrive.
import { randomUUID } from 'node:crypto';
import { addDays, formatIsoDay, parseIsoDay, silentLogger, type LoadedConfig, type Logger } from '@cvc/core';
import { appendDemoSales, demoDaysAfter, type LevelShift } from '@cvc/demo-source';
import { runDaily, type DailyResult } from './commands/daily.js';

export interface SimulateOptions {
  loaded: LoadedConfig;
  /** The demo source's options (stores, from, asOf, seed): the days are generated after its asOf. */
  source: { stores: number; from: string; asOf: string; seed: number };
  days: number;
  shift?: LevelShift;
  log?: Logger;
  onDay?: (r: DailyResult, appended: number) => void;
}

export async function simulateDays(opts: SimulateOptions): Promise<DailyResult[]> {
  const next = demoDaysAfter({ ...opts.source, badRows: 0 }, opts.days, opts.shift);
  const out: DailyResult[] = [];
  for (const day of next.days) {
    const appended = await appendDemoSales(opts.loaded.paths.demoSource, next.feedOf(day));
    // The run happens the morning after: `today` is the day after the sales day.
    const today = formatIsoDay(addDays(parseIsoDay(day), 1));
    const r = await runDaily({ loaded: opts.loaded, runId: randomUUID(), today, log: opts.log ?? silentLogger });
    opts.onDay?.(r, appended);
    out.push(r);
  }
  return out;
}
