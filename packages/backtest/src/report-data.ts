// The figures behind the backtest report's tables and charts, computed from a BacktestResult: metrics
// per model, quantile calibration, days when most stores were closed, and why each store got its model.
import { METRIC_NAMES, actualWindow, addDays, formatIsoDay, parseIsoDay, type Metrics } from '@cvc/core';
import type { BacktestResult } from './backtest.js';

/** Store ids in numeric order where they are numbers ("2" before "10"), text order otherwise. */
const folds = (n: number) => `${n} fold${n === 1 ? '' : 's'}`;

export const byStoreId = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

export interface MetricRow {
  model: string;
  /** Pooled over every scored (store, fold): sum |err| / sum |actual|. */
  wape: number;
  /** Every other metric: the mean over scored (store, fold) windows. */
  means: Record<Exclude<(typeof METRIC_NAMES)[number], 'wape'>, number>;
  windows: number;
}

export function metricRows(r: BacktestResult): MetricRow[] {
  return r.leaderboard.map((l) => {
    const rows = r.scores.filter((s) => s.model === l.model);
    const mean = (k: keyof Metrics) => {
      const v = rows.map((s) => s.metrics[k]).filter(Number.isFinite);
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN;
    };
    const others = METRIC_NAMES.filter((m) => m !== 'wape');
    const means = Object.fromEntries(others.map((m) => [m, mean(m)])) as MetricRow['means'];
    return { model: l.model, wape: l.wape, means, windows: rows.length };
  });
}

export interface CalibrationPoint {
  model: string;
  /** Nominal level: 0.1, 0.5, 0.9 (share of actuals expected at or below that quantile). */
  nominal: number;
  observed: number;
  days: number;
}

/** Share of open-day actuals at or below each forecast quantile, per model, over every fold. */
export function calibrationPoints(r: BacktestResult): CalibrationPoint[] {
  const byId = new Map(r.series.map((s) => [s.storeId, s]));
  const acc = new Map<string, { below: [number, number, number]; days: number }>();
  for (const o of r.outcomes) {
    const e = acc.get(o.model) ?? { below: [0, 0, 0], days: 0 };
    acc.set(o.model, e);
    for (const f of o.forecasts) {
      const s = byId.get(f.storeId);
      if (!s) continue;
      const a = actualWindow(s, f.start, f.p50.length);
      for (let i = 0; i < f.p50.length; i++) {
        const y = a.sales[i]!;
        if (!Number.isFinite(y) || !(a.isOpen[i]! > 0) || !Number.isFinite(f.p50[i]!)) continue;
        e.days++;
        if (y <= f.p10[i]!) e.below[0]++;
        if (y <= f.p50[i]!) e.below[1]++;
        if (y <= f.p90[i]!) e.below[2]++;
      }
    }
  }
  const out: CalibrationPoint[] = [];
  for (const [model, e] of acc) {
    [0.1, 0.5, 0.9].forEach((nominal, k) => {
      out.push({ model, nominal, observed: e.days ? e.below[k]! / e.days : Number.NaN, days: e.days });
    });
  }
  return out;
}

export interface ClosedDay {
  date: string;
  fold: number;
  horizonDay: number;
  storesOpen: number;
  storesScored: number;
}

/**
 * Dates inside a fold's scored window when at least half the stores scored in that fold were closed
 * (Dec 25, Jan 1): WAPE on their horizon day rests on the few stores still open.
 */
export function closedDays(r: BacktestResult): ClosedDay[] {
  const byId = new Map(r.series.map((s) => [s.storeId, s]));
  const out: ClosedDay[] = [];
  const ref = r.outcomes.find((o) => o.model === r.globalBest) ? r.globalBest : r.outcomes[0]?.model;
  for (const o of r.outcomes.filter((x) => x.model === ref)) {
    const fold = r.folds.find((f) => f.fold === o.fold);
    if (!fold) continue;
    const n = parseIsoDay(fold.testEnd) - parseIsoDay(fold.testStart) + 1;
    const open = new Array<number>(n).fill(0);
    for (const f of o.forecasts) {
      const a = actualWindow(byId.get(f.storeId)!, fold.testStart, n);
      for (let h = 0; h < n; h++) if (a.isOpen[h]! > 0) open[h]!++;
    }
    const scored = o.forecasts.length;
    for (let h = 0; h < n; h++) {
      if (scored > 0 && open[h]! * 2 <= scored) {
        const date = formatIsoDay(addDays(parseIsoDay(fold.testStart), h));
        out.push({ date, fold: fold.fold, horizonDay: h + 1, storesOpen: open[h]!, storesScored: scored });
      }
    }
  }
  return out;
}

export interface ChoiceReason {
  storeId: string;
  model: string;
  /** Closed for good on or before the last day of data: not forecast, whatever was chosen. */
  closedOn: string | null;
  text: string;
}

/** Per store, in plain words: its WAPE against the runner-up, the tie rule, or why it fell back. */
export function choiceReasons(r: BacktestResult, pct: (x: number) => string): ChoiceReason[] {
  const ctx = r.choiceContext;
  const perStore = new Map<string, Map<string, number[]>>();
  for (const s of r.scores) {
    if (!Number.isFinite(s.wape)) continue;
    const m = perStore.get(s.storeId) ?? new Map<string, number[]>();
    perStore.set(s.storeId, m);
    m.set(s.model, [...(m.get(s.model) ?? []), s.wape]);
  }
  const short = new Set(ctx.shortHistory);
  return [...r.choices]
    .sort((a, b) => byStoreId(a.storeId, b.storeId))
    .map((c) => {
      const closedOn = ctx.closedOn[c.storeId] ?? null;
      const ranked = [...(perStore.get(c.storeId) ?? new Map<string, number[]>()).entries()]
        .filter(([, w]) => w.length >= ctx.minFolds)
        .map(([model, w]) => ({ model, wape: w.reduce((a, b) => a + b, 0) / w.length }))
        .sort((a, b) => a.wape - b.wape);
      let text: string;
      if (c.reason === 'global-best') {
        text = short.has(c.storeId)
          ? `short history (under ${ctx.minHistory} days before the last cutoff): takes the global best ${c.model}`
          : `no model scored on ${ctx.minFolds}+ folds: takes the global best ${c.model}`;
      } else if (c.reason === 'cheaper-near-tie') {
        const best = ranked[0]!;
        text =
          `${c.model} ${pct(c.wape)} is within ${pct(ctx.tieTolerance)} of the best, ${best.model} ` +
          `${pct(best.wape)}: ` +
          'the cheaper model wins the tie';
      } else {
        const runner = ranked.find((x) => x.model !== c.model);
        text = runner
          ? `lowest WAPE ${pct(c.wape)} over ${folds(c.folds)}; runner-up ${runner.model} ${pct(runner.wape)}`
          : `the only model scored: WAPE ${pct(c.wape)} over ${folds(c.folds)}`;
      }
      if (closedOn) text = `closed since ${closedOn}: not forecast (${text})`;
      return { storeId: c.storeId, model: c.model, closedOn, text };
    });
}
