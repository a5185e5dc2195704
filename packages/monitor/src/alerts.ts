// The checks behind every alert, as pure functions of the rolling metrics, the bundle's backtest figures
// and a few facts about the lake. An alert is a JSON object: kind, the stores affected, the numbers.
import type { Accuracy, DayAccuracy, RollingMetrics } from './metrics.js';

export type AlertKind =
  | 'accuracy_drift'
  | 'coverage'
  | 'coverage_high'
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
  /**
   * What drives an accuracy alert, worst first (at most TOP_STORES): the stores it names, ranked by
   * their figure; for a chain-only alert, the stores carrying most of the chain's miss. Each with the
   * observed days that carry most of its own miss. Absent on lake and step alerts.
   */
  top?: Contributor[];
}

/** A store behind an accuracy alert and the days that carry its miss. */
export interface Contributor {
  store: string;
  /** The store's figure the alert judges: WAPE / backtest WAPE (drift), bias, or coverage. */
  value: number;
  /** On a chain alert, the store's share of the chain's miss (see `missOf`); null on a store-level one. */
  chainShare: number | null;
  /** At most TOP_DAYS days, largest share first: the share of the store's window miss on that day. */
  days: Array<{ date: string; share: number }>;
}

/** How many stores an alert ranks, how many of them its message names, how many days each. */
export const TOP_STORES = 10;
export const TOP_IN_MESSAGE = 3;
export const TOP_DAYS = 3;

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
  /** Coverage above this alerts as `coverage_high`: an interval that holds nearly every actual is too wide. */
  maxCoverage: number;
  /**
   * A store's coverage alert also needs its observed days to be this unlikely under the nominal 80 %
   * (one-sided binomial tail): over a week or two a calibrated store covers every day by chance often.
   */
  coverageAlpha: number;
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

/**
 * What an accuracy alert measures as a store's (or a day's) miss, always >= 0 so shares add up:
 * drift, the absolute error above what the backtest WAPE allows; bias, the error in the direction of
 * the bias being judged (`sign`); coverage, the forecasts whose interval missed the actual.
 */
type Miss = (a: Pick<Accuracy, 'n' | 'absError' | 'actual' | 'error' | 'inInterval'>) => number;

function topDays(days: readonly DayAccuracy[] | undefined, miss: Miss): Contributor['days'] {
  const scored = (days ?? []).map((d) => ({ date: d.date, m: miss(d) })).filter((d) => d.m > 0);
  const total = scored.reduce((t, d) => t + d.m, 0);
  if (!(total > 0)) return [];
  return scored
    .sort((x, y) => y.m - x.m || x.date.localeCompare(y.date))
    .slice(0, TOP_DAYS)
    .map((d) => ({ date: d.date, share: round(d.m / total, 3)! }));
}

const fmtPct = (x: number, signed = false) =>
  `${signed && x > 0 ? '+' : ''}${Number.isFinite(x) ? (x * 100).toFixed(1) : 'n/a'} %`;

/** "130 (1.92x; 2026-01-10 31 %, 2026-01-03 12 %)": a contributor as the alert message names it. */
function describeContributor(c: Contributor, value: (x: number) => string): string {
  const head = c.chainShare === null ? value(c.value) : `${fmtPct(c.chainShare)} of the chain's miss`;
  const days = c.days.map((d) => `${d.date} ${Math.round(d.share * 100)} %`).join(', ');
  return `${c.store} (${head}${days ? `; ${days}` : ''})`;
}

/** Nominal share of actuals inside p10-p90. */
const NOMINAL_COVERAGE = 0.8;

/** P(X <= k) (side 'low') or P(X >= k) (side 'high') for X ~ Binomial(n, p). */
export function binomialTail(k: number, n: number, p: number, side: 'low' | 'high'): number {
  let pmf = (1 - p) ** n; // P(X = 0)
  let tail = 0;
  for (let x = 0; x <= n; x++) {
    if (side === 'low' ? x <= k : x >= k) tail += pmf;
    pmf *= ((n - x) / (x + 1)) * (p / (1 - p));
  }
  return Math.min(1, tail);
}

/**
 * Whether a store's coverage is evidence and not chance. Its forecasts of one day (several as-of dates)
 * share that day's actual, so the independent trials are its observed days, each counted covered in
 * the store's share. The chain (null) pools every store and is judged on the threshold alone.
 */
function coverageSurprising(a: Accuracy, id: string | null, side: 'low' | 'high', alpha: number): boolean {
  if (id === null) return true;
  const covered = Math.round(a.coverage * a.days);
  return binomialTail(covered, a.days, NOMINAL_COVERAGE, side) < alpha;
}

export function accuracyAlerts(m: RollingMetrics, baseline: Baseline | null, t: Thresholds): Alert[] {
  const alerts: Alert[] = [];
  const judged = [...m.byStore.entries()]
    .filter(([, a]) => a.days >= t.minDays)
    .sort(([x], [y]) => x.localeCompare(y, 'en', { numeric: true }));
  const chainJudged = m.chain.days >= t.minDays;
  const check = (spec: {
    kind: AlertKind;
    fails: (a: Accuracy, id: string | null, model: string) => Record<string, number | string | null> | null;
    message: (n: number, chain: boolean) => string;
    /** The store's judged figure and how it prints; `worse` orders stores worst first. */
    figure: (a: Accuracy & { model: string }, id: string) => number;
    worse: (x: number, y: number) => number;
    show: (x: number) => string;
    /** The miss of a store (or day) of `a`'s store; the chain's own figure picks the bias direction. */
    miss: (storeId: string, model: string, chainSign: number) => Miss;
  }) => {
    const numbers: Alert['numbers'] = {};
    const stores: string[] = [];
    for (const [id, a] of judged) {
      const x = spec.fails(a, id, a.model);
      if (x) {
        stores.push(id);
        numbers[id] = x;
      }
    }
    const c = chainJudged ? spec.fails(m.chain, null, '') : null;
    if (c) numbers['chain'] = c;
    if (stores.length === 0 && !c) return;
    const chainSign = Math.sign(m.chain.error) || 1;
    const contributor = (id: string, chainShare: number | null): Contributor => {
      const a = m.byStore.get(id)!;
      const own = Math.sign(a.error) || 1;
      // A store's days are ranked by its own miss; for bias, in the direction of its own bias.
      return {
        store: id,
        value: round(spec.figure(a, id)) ?? NaN,
        chainShare,
        days: topDays(m.storeDays.get(id), spec.miss(id, a.model, chainShare === null ? own : chainSign)),
      };
    };
    let top: Contributor[];
    if (stores.length > 0) {
      top = stores
        .map((id) => ({ id, x: spec.figure(m.byStore.get(id)!, id) }))
        .sort((p, q) => spec.worse(p.x, q.x) || p.id.localeCompare(q.id, 'en', { numeric: true }))
        .slice(0, TOP_STORES)
        .map((p) => contributor(p.id, null));
    } else {
      // Chain only: the stores that carry most of the chain's miss, whether or not they are judged alone.
      const shares = [...m.byStore.entries()]
        .map(([id, a]) => ({ id, x: spec.miss(id, a.model, chainSign)(a) }))
        .filter((p) => p.x > 0);
      const total = shares.reduce((s, p) => s + p.x, 0);
      top = shares
        .sort((p, q) => q.x - p.x || p.id.localeCompare(q.id, 'en', { numeric: true }))
        .slice(0, TOP_STORES)
        .map((p) => contributor(p.id, round(p.x / total, 3)));
    }
    const named = top.slice(0, TOP_IN_MESSAGE).map((x) => describeContributor(x, spec.show));
    const message = `${spec.message(stores.length, c !== null)}${named.length ? `; top: ${named.join(', ')}` : ''}`;
    alerts.push({ kind: spec.kind, message, stores, chain: c !== null, numbers, top });
  };
  if (baseline) {
    const promisedOf = (id: string | null, model: string) =>
      id === null ? baseline.wape : promisedWape(baseline, id, model);
    check({
      kind: 'accuracy_drift',
      fails: (a, id, model) => {
        const promised = promisedOf(id, model);
        if (promised === null || !(promised > 0) || !(a.wape > t.driftRatio * promised)) return null;
        return { wape: round(a.wape), backtestWape: round(promised), ratio: round(a.wape / promised, 2), days: a.days };
      },
      message: (n, chain) =>
        `rolling WAPE above ${t.driftRatio} x the backtest's for ${n} store(s)${chain ? ' and the chain' : ''}`,
      figure: (a, id) => a.wape / (promisedOf(id, a.model) ?? NaN),
      worse: (x, y) => y - x,
      show: (x) => `${x.toFixed(2)}x`,
      miss: (id, model) => {
        const promised = promisedOf(id, model) ?? 0;
        return (d) => Math.max(0, d.absError - promised * d.actual);
      },
    });
  }
  check({
    kind: 'coverage',
    fails: (a, id) =>
      a.coverage < t.minCoverage && coverageSurprising(a, id, 'low', t.coverageAlpha)
        ? { coverage: round(a.coverage), minCoverage: t.minCoverage, days: a.days }
        : null,
    message: (n, chain) => `p10-p90 coverage below ${t.minCoverage} for ${n} store(s)${chain ? ' and the chain' : ''}`,
    figure: (a) => a.coverage,
    worse: (x, y) => x - y,
    show: (x) => fmtPct(x),
    miss: () => (d) => d.n - d.inInterval,
  });
  // The high side, judged like the low one (same days, stores, chain and evidence rule): an interval
  // covering 95 % is as wrong as one covering 65 %, it only errs toward caution (default demo before the
  // width rule: 95.5 % at horizons 1-7).
  check({
    kind: 'coverage_high',
    fails: (a, id) =>
      a.coverage > t.maxCoverage && coverageSurprising(a, id, 'high', t.coverageAlpha)
        ? { coverage: round(a.coverage), maxCoverage: t.maxCoverage, days: a.days }
        : null,
    message: (n, chain) => `p10-p90 coverage above ${t.maxCoverage} for ${n} store(s)${chain ? ' and the chain' : ''}`,
    figure: (a) => a.coverage,
    worse: (x, y) => y - x,
    show: (x) => fmtPct(x),
    miss: () => (d) => d.inInterval,
  });
  check({
    kind: 'bias',
    fails: (a) => (Math.abs(a.bias) > t.maxBias ? { bias: round(a.bias), maxBias: t.maxBias, days: a.days } : null),
    message: (n, chain) =>
      `bias beyond +-${Math.round(t.maxBias * 100)} % for ${n} store(s)${chain ? ' and the chain' : ''}`,
    figure: (a) => a.bias,
    worse: (x, y) => Math.abs(y) - Math.abs(x),
    show: (x) => fmtPct(x, true),
    miss: (_id, _model, sign) => (d) => Math.max(0, sign * d.error),
  });
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
