// The JSON-safe summary of a monitor run that `cvc monitor --json` and `cvc daily` print.
import type { MonitorResult } from './run.js';

const r4 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : null);

export function monitorSummary(r: MonitorResult): Record<string, unknown> {
  const acc = (a: { wape: number; bias: number; coverage: number; days: number }) => ({
    wape: r4(a.wape),
    bias: r4(a.bias),
    coverage: r4(a.coverage),
    days: a.days,
  });
  return {
    today: r.today,
    table: r.table,
    added: r.update.added,
    updated: r.update.updated,
    tableVersion: r.update.version,
    window: r.window,
    lastFeatureDay: r.lastFeatureDay,
    stores: r.metrics.byStore.size,
    chain: acc(r.metrics.chain),
    /** Forecast rows on closed days in the window, left out of every figure. */
    closedRowsExcluded: r.metrics.closed,
    byBucket: Object.fromEntries(Object.entries(r.metrics.chainByBucket).map(([b, a]) => [b, acc(a)])),
    backtest: r.baseline ? { bundleVersion: r.baseline.bundleVersion, wape: r.baseline.wape } : null,
    alerts: r.alerts,
    trackingRunId: r.trackingRunId,
    page: r.page,
    seconds: r.seconds,
  };
}
