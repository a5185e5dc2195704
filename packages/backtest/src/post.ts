// What the backtest learns from its own out-of-fold forecasts, always on earlier folds and judged on
// later ones: the ensemble's weights (its forecast for fold k mixes the members with weights learned
// on folds < k, on their days up to fold k's cutoff only; fold 0 uses equal weights) and each model's
// interval calibration, the ensemble's included (the coverage of fold k's intervals calibrated on
// folds < k is what the report shows). The versions learned on every fold are what `cvc train` puts
// into the bundle.
import {
  actualWindow,
  addDays,
  applyIntervalCalibration,
  formatIsoDay,
  dayClassesOf,
  intervalCoverage,
  learnIntervalCalibration,
  parseIsoDay,
  rawHalfWidths,
  seasonalDifficulty,
  widthScaleFor,
  type CalibrationSample,
  type EnsembleWeights,
  type IntervalCalibration,
  type IntervalOffsets,
  type QuantileForecast,
  type RawWidths,
  type StoreSeries,
} from '@cvc/core';
import {
  BASELINE_KINDS,
  ENSEMBLE_KIND,
  baselineOriginForecasts,
  learnEnsembleWeights,
  modelSettings,
  mixForecasts,
  weightsFor,
  type EnsembleSample,
  type OriginForecasts,
} from '@cvc/models';
import type { FoldOutcome } from './chain.js';

export interface CoverageRow {
  model: string;
  nominal: number;
  /** Raw p10-p90 coverage over every fold. */
  raw: number;
  /** Raw coverage over folds 1.. (those a calibration learned on earlier folds can be judged on). */
  rawLater: number;
  /** Coverage over folds 1.. after calibrating each fold on the folds before it. */
  calibratedLater: number;
  /** Calibrated coverage of each of those folds, by fold number: which weeks the calibration misses. */
  calibratedByFold?: Record<number, number>;
  days: number;
}

/** Looks up actuals and planned-open flags for a forecast; forecasts start the day after the cutoff. */
type Actuals = (storeId: string, start: string, n: number) => { sales: Float64Array; isOpen: Float64Array };

export function actualsOf(series: readonly StoreSeries[]): Actuals {
  const byId = new Map(series.map((s) => [s.storeId, s]));
  return (storeId, start, n) => actualWindow(byId.get(storeId)!, start, n);
}

/** Each forecast day's class from the store's known-future inputs (as infer reads them). */
type DayClasses = (storeId: string, start: string, n: number) => Uint8Array;
function dayClassesFor(series: readonly StoreSeries[]): DayClasses {
  const byId = new Map(series.map((s) => [s.storeId, s]));
  return (storeId, start, n) => dayClassesOf(byId.get(storeId)!, start, n);
}

function sample(f: QuantileForecast, actuals: Actuals, fold?: number, classes?: DayClasses): CalibrationSample {
  const a = actuals(f.storeId, f.start, f.p50.length);
  const s = { storeId: f.storeId, start: f.start, p10: f.p10, p50: f.p50, p90: f.p90, actual: a.sales, open: a.isOpen };
  return {
    ...s,
    ...(fold === undefined ? {} : { fold }),
    ...(classes ? { dayClass: classes(f.storeId, f.start, f.p50.length) } : {}),
  };
}

const MIN_WEIGHT = 0.02;

/** Members whose weight is below MIN_WEIGHT everywhere are dropped and the rest renormalised. */
export function pruneMembers(w: EnsembleWeights): EnsembleWeights {
  const all = [w.chain, ...Object.values(w.formats), ...Object.values(w.stores)];
  const keep = w.members.map((_, k) => all.some((v) => v[k]! >= MIN_WEIGHT));
  if (!keep.some(Boolean)) return w;
  const cut = (v: number[]) => {
    const kept = v.filter((_, k) => keep[k]);
    const z = kept.reduce((a, b) => a + b, 0);
    return z > 0 ? kept.map((x) => x / z) : kept.map(() => 1 / kept.length);
  };
  const map = (r: Record<string, number[]>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cut(v)]));
  return {
    members: w.members.filter((_, k) => keep[k]),
    chain: cut(w.chain),
    formats: map(w.formats),
    stores: map(w.stores),
  };
}

/**
 * The ensemble's out-of-fold outcomes (one per fold) and the weights learned on every fold. Members:
 * every model with forecasts, in the order given.
 */
export function ensembleOutcomes(
  outcomes: readonly FoldOutcome[],
  members: readonly string[],
  folds: readonly number[],
  series: readonly StoreSeries[],
): { outcomes: FoldOutcome[]; weights: EnsembleWeights } {
  const actuals = actualsOf(series);
  const formatOf = new Map(series.map((s) => [s.storeId, s.statics['format'] ?? '']));
  const byFold = new Map<number, Map<string, Map<string, QuantileForecast>>>(); // fold -> store -> member -> forecast
  for (const o of outcomes) {
    if (o.error || !members.includes(o.model)) continue;
    const stores = byFold.get(o.fold) ?? new Map<string, Map<string, QuantileForecast>>();
    byFold.set(o.fold, stores);
    for (const f of o.forecasts) {
      const m = stores.get(f.storeId) ?? new Map<string, QuantileForecast>();
      m.set(o.model, f);
      stores.set(f.storeId, m);
    }
  }
  const samplesOf = (fold: number): { start: number; sample: EnsembleSample }[] =>
    [...(byFold.get(fold) ?? new Map<string, Map<string, QuantileForecast>>())].map(([storeId, m]) => {
      const any = [...m.values()][0]!;
      const a = actuals(storeId, any.start, any.p50.length);
      const nan = new Float64Array(any.p50.length).fill(Number.NaN);
      const sample = {
        storeId,
        format: formatOf.get(storeId) ?? '',
        fold,
        members: members.map((k) => m.get(k)?.p50 ?? nan),
        actual: a.sales,
        open: a.isOpen,
      };
      return { start: parseIsoDay(any.start), sample };
    });
  const out: FoldOutcome[] = [];
  const learned: { start: number; sample: EnsembleSample }[] = [];
  for (const fold of [...folds].sort((a, b) => a - b)) {
    const t0 = performance.now();
    // Folds overlap when the stride is shorter than the horizon: an earlier fold's last days fall after
    // this fold's cutoff, so they are left out of what this fold's weights learn from.
    const starts = [...(byFold.get(fold)?.values() ?? [])].flatMap((m) => [...m.values()].map((f) => f.start));
    const cutoffNext = starts.length > 0 ? Math.min(...starts.map(parseIsoDay)) : Number.POSITIVE_INFINITY;
    const known = learned.map((l) => knownBefore(l.sample, cutoffNext - l.start)).filter((x) => x !== null);
    const w =
      known.length > 0
        ? learnEnsembleWeights(members, known)
        : { members: [...members], chain: members.map(() => 1 / members.length), formats: {}, stores: {} };
    const forecasts: QuantileForecast[] = [];
    for (const [storeId, m] of byFold.get(fold) ?? []) {
      const any = [...m.values()][0]!;
      const n = any.p50.length;
      // The members' raw quantiles are mixed; the mix is then calibrated on the ensemble's own
      // out-of-fold residuals like any model (learnFromFolds). Mixing calibrated members gave intervals as
      // wide as the members' while the mix's median errs less (default demo, folds 2..: 84.1 %).
      const fs = members.map((k) => m.get(k));
      const wv = weightsFor(w, storeId, formatOf.get(storeId) ?? '');
      forecasts.push({
        storeId,
        start: any.start,
        p10: mixForecasts(
          wv,
          fs.map((f) => f?.p10),
          n,
        ),
        p50: mixForecasts(
          wv,
          fs.map((f) => f?.p50),
          n,
        ),
        p90: mixForecasts(
          wv,
          fs.map((f) => f?.p90),
          n,
        ),
      });
    }
    out.push({
      model: ENSEMBLE_KIND,
      fold,
      forecasts,
      fitSeconds: (performance.now() - t0) / 1000,
      predictSeconds: 0,
      metrics: { learned_samples: known.length },
      resumed: false,
    });
    learned.push(...samplesOf(fold));
  }
  const all = learned.map((l) => l.sample);
  return { outcomes: out, weights: pruneMembers(learnEnsembleWeights(members, all)) };
}

/** The sample with only its first `days` days open to learning (null when none is). */
function knownBefore(s: EnsembleSample, days: number): EnsembleSample | null {
  if (days >= s.actual.length) return s;
  if (days <= 0) return null;
  return { ...s, open: Float64Array.from(s.open, (o, h) => (h < days ? o : 0)) };
}

export interface CalibrateOptions {
  coverage?: number;
  fromFold?: number;
  /**
   * Per model that needs no fit (the baselines): its raw forecasts from any origin. Its calibration
   * then also learns from its own forecasts from the same weeks of every earlier year (sameSeasonOrigins).
   */
  origins?: Readonly<Record<string, OriginForecasts>>;
}

/** Origins this many weeks either side of the same week of an earlier year join the calibration. */
export const SEASON_ORIGIN_WEEKS = 4;
const YEAR_DAYS = 364; // 52 weeks: an earlier year's origin on the same weekday

/**
 * The last seen days (day numbers) of the extra origins of a calibration whose first unobserved day
 * is `cutoff`: the same weekday 52, 104, ... weeks earlier and up to SEASON_ORIGIN_WEEKS weeks either
 * side, back to `firstDay`. A baseline's backtest folds are a few consecutive autumn weeks: from the
 * 26 November cutoff it carries Black Week's promoted level into December, which no earlier fold
 * showed (default demo: December coverage 63-67 %); the same weeks of earlier years did. Every
 * window ends at least 52 - 4 weeks before the cutoff, so nothing after it is learned from.
 */
export function sameSeasonOrigins(cutoff: number, firstDay: number): number[] {
  const out: number[] = [];
  for (let y = 1; cutoff - 1 - YEAR_DAYS * y + 7 * SEASON_ORIGIN_WEEKS >= firstDay; y++)
    for (let j = -SEASON_ORIGIN_WEEKS; j <= SEASON_ORIGIN_WEEKS; j++) {
      const last = cutoff - 1 - YEAR_DAYS * y + 7 * j;
      if (last >= firstDay) out.push(last);
    }
  return out;
}

/**
 * Per model: the interval calibration learned on every fold, and the coverage report (raw, and on
 * later folds calibrated on earlier ones). Outcomes hold forecasts from the day after the cutoff.
 */
export function calibrateIntervals(
  outcomes: readonly FoldOutcome[],
  series: readonly StoreSeries[],
  opts: CalibrateOptions = {},
): {
  calibration: Record<string, IntervalCalibration>;
  report: CoverageRow[];
  byFold: Record<string, Map<number, IntervalCalibration>>;
} {
  const coverage = opts.coverage ?? 0.8;
  const actuals = actualsOf(series);
  const classes = dayClassesFor(series);
  const byModel = new Map<string, Map<number, CalibrationSample[]>>();
  for (const o of outcomes) {
    if (o.error || o.fold < (opts.fromFold ?? 0)) continue;
    const folds = byModel.get(o.model) ?? new Map<number, CalibrationSample[]>();
    byModel.set(o.model, folds);
    folds.set(
      o.fold,
      o.forecasts.map((f) => sample(f, actuals, o.fold, classes)),
    );
  }
  const profiles = new Map<number, number[]>();
  const seasonAt = (before: number): number[] => {
    if (!profiles.has(before)) profiles.set(before, seasonalDifficulty(series, before));
    return profiles.get(before)!;
  };
  const calibration: Record<string, IntervalCalibration> = {};
  const report: CoverageRow[] = [];
  const byFold: Record<string, Map<number, IntervalCalibration>> = {};
  const firstDay = Math.min(...series.map((s) => parseIsoDay(s.start)));
  const originCache = new Map<string, CalibrationSample[]>();
  for (const [model, folds] of byModel) {
    const order = [...folds.keys()].sort((a, b) => a - b);
    const all = order.flatMap((k) => folds.get(k)!);
    const horizon = Math.max(0, ...all.map((s) => s.p50.length));
    // The model's own raw forecasts from the same weeks of earlier years (models that need no fit only).
    const extra = (cutoff: number): CalibrationSample[] => {
      const forecastsFrom = opts.origins?.[model];
      if (!forecastsFrom || horizon === 0) return [];
      return sameSeasonOrigins(cutoff, firstDay).flatMap((last) => {
        const key = `${model}|${last}`;
        if (!originCache.has(key)) {
          const fs = forecastsFrom(series, formatIsoDay(last), horizon);
          originCache.set(
            key,
            fs.map((f) => sample(f, actuals, undefined, classes)),
          );
        }
        return originCache.get(key)!;
      });
    };
    // A fitted model's raw widths come from its fit (LightGBM's from its validation origins: default demo,
    // h1-14 median p90/p50 1.06 in fold 1, 1.20 in folds 2-3, at equal errors), so its offsets are
    // learned and applied at one reference width per horizon day: the bundle's at the folds' pooled
    // widths, onto which train's widthScale maps the final fit's (interval-widths.ts); fold i's at the
    // earlier folds'. A baseline's band comes from its own errors at the origin, with nothing fitted:
    // infer serves it as the backtest saw it, so its widths stay as they are.
    const fitted = !BASELINE_KINDS.includes(model);
    const toWidths = (reference: RawWidths, fold: number, samples: readonly CalibrationSample[]) =>
      fitted ? atWidths(samples, widthScaleFor(reference, rawHalfWidths(folds.get(fold)!))) : [...samples];
    const pooled = rawHalfWidths(all);
    const end = Math.max(...all.map((s) => parseIsoDay(s.start!) + s.p50.length));
    calibration[model] = learnIntervalCalibration(
      [...order.flatMap((k) => toWidths(pooled, k, folds.get(k)!)), ...extra(end)],
      { coverage, season: seasonAt(Infinity) },
    );
    const rawLater: CalibrationSample[] = [];
    const calLater: CalibrationSample[] = [];
    const calibratedByFold: Record<number, number> = {};
    byFold[model] = new Map();
    for (let i = 1; i < order.length; i++) {
      // The difficulty profile fold i is calibrated with only knows the days before its window.
      const cutoff = Math.min(...folds.get(order[i]!)!.map((s) => parseIsoDay(s.start!)));
      const season = seasonAt(cutoff);
      // Folds overlap when the stride is shorter than the horizon: an earlier fold's days on or after
      // this fold's first forecast day were not yet observed at its cutoff, so they are not learned from
      // (nor is the reference width read on them).
      const seen = order.slice(0, i).map((k) => folds.get(k)!.map((s) => observedBefore(s, cutoff)));
      const reference = rawHalfWidths(
        seen.flat().map((s) => ({ ...s, p50: Float64Array.from(s.p50, (m, h) => (s.open[h]! > 0 ? m : Number.NaN)) })),
      );
      const earlier = seen.flatMap((samples, j) => toWidths(reference, order[j]!, samples));
      const learned = learnIntervalCalibration([...earlier, ...extra(cutoff)], { coverage, season });
      const widthScale = widthScaleFor(reference, rawHalfWidths(folds.get(order[i]!)!));
      const cal: IntervalCalibration = fitted ? { ...learned, widthScale } : learned;
      byFold[model].set(order[i]!, cal);
      const calFold: CalibrationSample[] = [];
      for (const s of folds.get(order[i]!)!) {
        rawLater.push(s);
        const raw = { p10: Float64Array.from(s.p10), p50: Float64Array.from(s.p50), p90: Float64Array.from(s.p90) };
        const f = applyIntervalCalibration(cal, { storeId: s.storeId, start: s.start!, ...raw }, 1, s.dayClass);
        calFold.push({ ...s, p10: f.p10, p90: f.p90 });
      }
      calibratedByFold[order[i]!] = intervalCoverage(calFold).coverage;
      calLater.push(...calFold);
    }
    const later = intervalCoverage(calLater);
    report.push({
      model,
      nominal: coverage,
      raw: intervalCoverage(all).coverage,
      rawLater: intervalCoverage(rawLater).coverage,
      calibratedLater: later.coverage,
      calibratedByFold,
      days: later.days,
    });
  }
  return { calibration, report, byFold };
}

/** The samples with their raw half-widths times a per-horizon-day factor (as widthScale applies it). */
function atWidths(samples: readonly CalibrationSample[], k: IntervalOffsets): CalibrationSample[] {
  return samples.map((s) => ({
    ...s,
    p10: Float64Array.from(s.p50, (m, h) => m - (m - s.p10[h]!) * (k.lo[h] ?? 1)),
    p90: Float64Array.from(s.p50, (m, h) => m + (s.p90[h]! - m) * (k.hi[h] ?? 1)),
  }));
}

/** The sample with its days from `cutoff` (a day number) on marked closed, so no learner reads them. */
function observedBefore(s: CalibrationSample, cutoff: number): CalibrationSample {
  const days = cutoff - parseIsoDay(s.start!);
  if (days >= s.open.length) return s;
  return { ...s, open: Float64Array.from(s.open, (o, h) => (h < days ? o : 0)) };
}

/**
 * Everything the backtest learns from its out-of-fold forecasts: the ensemble's outcomes and weights
 * when members are given, then every model's interval calibration and coverage row, the ensemble's
 * from its own out-of-fold residuals (what infer applies to the ensemble's mix).
 */
export function learnFromFolds(
  outcomes: readonly FoldOutcome[],
  series: readonly StoreSeries[],
  ensemble: { members: readonly string[]; folds: readonly number[] } | null,
  opts: CalibrateOptions = {},
): {
  ensemble: { outcomes: FoldOutcome[]; weights: EnsembleWeights } | null;
} & ReturnType<typeof calibrateIntervals> {
  const ens = ensemble ? ensembleOutcomes(outcomes, ensemble.members, ensemble.folds, series) : null;
  return { ensemble: ens, ...calibrateIntervals([...outcomes, ...(ens?.outcomes ?? [])], series, opts) };
}

/** The extra-origin forecasters of the kinds that need no fit (the baselines), with the config's params. */
export function calibrationOrigins(
  models: Record<string, Record<string, unknown>>,
  kinds: readonly string[],
): Record<string, OriginForecasts> {
  const out: Record<string, OriginForecasts> = {};
  for (const kind of kinds) {
    const f = baselineOriginForecasts(kind, modelSettings(models, kind).params);
    if (f) out[kind] = f;
  }
  return out;
}
