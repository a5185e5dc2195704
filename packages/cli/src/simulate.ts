// The demo's simulated fortnight: each day the demo source receives that day's sales, then `cvc daily`
// runs for it, so the monitoring page fills with accuracy by horizon as actuals arrive.
import { randomUUID } from 'node:crypto';
import { addDays, formatIsoDay, parseIsoDay, silentLogger, type LoadedConfig, type Logger } from '@cvc/core';
import { appendDemoSales, demoDaysAfter, type LevelShift } from '@cvc/demo-source';
import type { RollingMetrics } from '@cvc/monitor';
import { runDaily, type DailyResult } from './commands/daily.js';
import { fmt } from './context.js';

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

/** What the demo's line for one simulated day reads from that day's `cvc daily`. */
export type SimulatedDay = Pick<DailyResult, 'today' | 'steps' | 'alerts'> & {
  monitor: { metrics: Pick<RollingMetrics, 'chain' | 'byStore' | 'daily'> } | null;
};

/**
 * The demo's summary line for one simulated day. The run is the morning after the sales day, so the
 * line says which observed days its rolling chain WAPE covers and over how many open stores (on New
 * Year's Day only the airport counters open: the run of 2 January is judged on those few), and how
 * many stores each alert names.
 */
export function simulatedDayLine(r: SimulatedDay, appended: number): string {
  const m = r.monitor?.metrics;
  const days = m?.daily.map((d) => d.date).sort() ?? [];
  const first = days[0];
  const last = days.at(-1);
  const span = first === undefined ? '' : first === last ? first : `${first}..${last}`;
  const wape = m ? `${fmt.pct(m.chain.wape)}${span ? ` (${span}, ${m.byStore.size} open store(s))` : ''}` : 'n/a';
  const alerts = r.alerts.map((a) => {
    const who = [
      a.stores.length > 0 ? `${a.stores.length} store${a.stores.length === 1 ? '' : 's'}` : '',
      a.chain ? 'the chain' : '',
    ].filter(Boolean);
    return who.length > 0 ? `${a.kind} (${who.join(' and ')})` : a.kind;
  });
  return (
    `daily ${r.today}: ${appended} sales rows, ${r.steps.map((s) => `${s.step} ${s.outcome}`).join(', ')}; ` +
    `chain WAPE ${wape}; alerts: ${alerts.join(', ') || 'none'}`
  );
}
