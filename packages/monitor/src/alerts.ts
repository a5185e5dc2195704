// The checks behind every alert, as pure functions of the rolling metrics, the bundle's backtest figures
// and a few facts about the lake. An alert is a JSON object: kind, the stores affected, the numbers.
import type { Accuracy, RollingMetrics } from './metrics.js';

export type AlertKind =
  | 'accuracy_drift'
  | 'coverage'
  | 'bias'
  | 'stale_data'
  | 'stores_skipped'
  | 'model_age'
  | 'ingest_failed'
  | 'step_failed';

export interface Alert {
  kind: AlertKind;
  message: string;
  /** Store ids affected; empty for a chain-wide alert. */
  stores: string[];
  /** True when the chain as a whole (not only some stores) crossed the threshold. */
  chain: boolean;
  /** The figures behind the alert, per store (and `chain`). */
  numbers: Record<string, Record<string, number | string | null>>;
}

export interface Baseline {
  bundleVersion: string;
  /** Backtest WAPE of the routed choice over all stores. */
  wape: number | null;
  byModel: Record<string, number>;
  byStore: Record<string, number>;
  createdAt: string;
}

export interface Thresholds {
  driftRatio: number;
  minCoverage: number;
  maxBias: number;
  minDays: number;
  maxStaleDays: number;
  maxModelAgeDays: number;
}

export interface LakeFacts {
  today: string;
  lastFeatureDay: string | null;
  /** Stores in the previous as-of date's forecasts that the latest one lacks. */
  skippedStores: { latest: string; previous: string; stores: string[] } | null;
}

const round = (x: number, d = 4) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const dayNumber = (iso: string) => Date.parse(`${iso.slice(0, 10)}T00:00:00Z`) / 86_400_000;

/** Backtest WAPE a store's rolling WAPE is held to: its own, else its model's, else the bundle's. */
export function promisedWape(b: Baseline, storeId: string, model: string): number | null {
  return b.byStore[storeId] ?? b.byModel[model] ?? b.wape;
}

export function accuracyAlerts(m: RollingMetrics, baseline: Baseline | null, t: Thresholds): Alert[] {
  const alerts: Alert[] = [];
  const judged = [...m.byStore.entries()]
    .filter(([, a]) => a.days >= t.minDays)
    .sort(([x], [y]) => x.localeCompare(y, 'en', { numeric: true }));
  const chainJudged = m.chain.days >= t.minDays;
  const check = (
    kind: AlertKind,
    fails: (a: Accuracy, id: string | null, model: string) => Record<string, number | string | null> | null,
    message: (n: number, chain: boolean) => string,
  ) => {
    const numbers: Alert['numbers'] = {};
    const stores: string[] = [];
    for (const [id, a] of judged) {
      const x = fails(a, id, a.model);
      if (x) {
        stores.push(id);
        numbers[id] = x;
      }
    }
    const c = chainJudged ? fails(m.chain, null, '') : null;
    if (c) numbers['chain'] = c;
    if (stores.length > 0 || c)
      alerts.push({ kind, message: message(stores.length, c !== null), stores, chain: c !== null, numbers });
  };
  if (baseline) {
    check(
      'accuracy_drift',
      (a, id, model) => {
        const promised = id === null ? baseline.wape : promisedWape(baseline, id, model);
        if (promised === null || !(promised > 0) || !(a.wape > t.driftRatio * promised)) return null;
        return { wape: round(a.wape), backtestWape: round(promised), ratio: round(a.wape / promised, 2), days: a.days };
      },
      (n, chain) =>
        `rolling WAPE above ${t.driftRatio} x the backtest's for ${n} store(s)${chain ? ' and the chain' : ''}`,
    );
  }
  check(
    'coverage',
    (a) =>
      a.coverage < t.minCoverage ? { coverage: round(a.coverage), minCoverage: t.minCoverage, days: a.days } : null,
    (n, chain) => `p10-p90 coverage below ${t.minCoverage} for ${n} store(s)${chain ? ' and the chain' : ''}`,
  );
  check(
    'bias',
    (a) => (Math.abs(a.bias) > t.maxBias ? { bias: round(a.bias), maxBias: t.maxBias, days: a.days } : null),
    (n, chain) => `bias beyond +-${Math.round(t.maxBias * 100)} % for ${n} store(s)${chain ? ' and the chain' : ''}`,
  );
  return alerts;
}

export function lakeAlerts(facts: LakeFacts, baseline: Baseline | null, t: Thresholds): Alert[] {
  const alerts: Alert[] = [];
  const age = facts.lastFeatureDay === null ? null : dayNumber(facts.today) - dayNumber(facts.lastFeatureDay);
  if (age === null || age > t.maxStaleDays) {
    alerts.push({
      kind: 'stale_data',
      message:
        facts.lastFeatureDay === null
          ? 'the feature table has no data'
          : `the feature table's last day ${facts.lastFeatureDay} is ${age} days before ${facts.today} ` +
            `(max ${t.maxStaleDays})`,
      stores: [],
      chain: true,
      numbers: {
        chain: { lastFeatureDay: facts.lastFeatureDay, today: facts.today, ageDays: age, maxStaleDays: t.maxStaleDays },
      },
    });
  }
  const s = facts.skippedStores;
  if (s && s.stores.length > 0) {
    alerts.push({
      kind: 'stores_skipped',
      message: `${s.stores.length} store(s) forecast on ${s.previous} have no forecast on ${s.latest}`,
      stores: s.stores,
      chain: false,
      numbers: Object.fromEntries(s.stores.map((id) => [id, { previousAsOf: s.previous, latestAsOf: s.latest }])),
    });
  }
  if (baseline) {
    const modelAge = Math.floor(dayNumber(facts.today) - dayNumber(baseline.createdAt));
    if (modelAge > t.maxModelAgeDays) {
      alerts.push({
        kind: 'model_age',
        message:
          `the bundle in use (version ${baseline.bundleVersion}) was trained ${modelAge} days ago ` +
          `(max ${t.maxModelAgeDays})`,
        stores: [],
        chain: true,
        numbers: {
          chain: {
            bundleVersion: baseline.bundleVersion,
            createdAt: baseline.createdAt,
            ageDays: modelAge,
            maxModelAgeDays: t.maxModelAgeDays,
          },
        },
      });
    }
  }
  return alerts;
}
