// Shared bits of the tf benchmarks: flags, synthetic stores cut at a forecast origin, scoring.
import { formatIsoDay, parseIsoDay, type QuantileForecast, type StoreSeries } from '../packages/core/src/index.js';
import {
  coverage,
  fitView,
  seasonalNaiveForecast,
  naiveForecast,
  splitLast,
  syntheticStores,
  wape,
} from '../packages/models/test/tf-synthetic.js';

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

export const H = 35;
export const L = 90;

export function benchStores(stores: number): StoreSeries[] {
  return syntheticStores({ stores, minDays: 500, maxDays: 900, extraDays: 0, seed: 2024 });
}

/** The cutoff day `daysBeforeEnd` days before the synthetic data ends (2024-06-30 for every store). */
export function cutoffAt(daysBeforeEnd: number): string {
  return formatIsoDay(parseIsoDay('2024-06-30') - daysBeforeEnd);
}

/** History ending `daysBeforeEnd` days before the data ends, and the next H actual days. */
export function originAt(all: StoreSeries[], daysBeforeEnd: number) {
  const cut = splitLast(all, daysBeforeEnd);
  const actual = all.map((s) => s.sales.slice(s.sales.length - daysBeforeEnd, s.sales.length - daysBeforeEnd + H));
  return { fit: fitView(cut.history), predict: cut.history, actual };
}

export function score(o: ReturnType<typeof originAt>, fc: QuantileForecast[]) {
  return {
    wape: wape(
      o.actual,
      fc.map((f) => f.p50),
    ),
    coverage: coverage(o.actual, fc, (i, k) => o.predict[i]!.future['is_open']![o.predict[i]!.sales.length + k]! > 0),
  };
}

export function baselines(o: ReturnType<typeof originAt>) {
  return {
    seasonalNaive: wape(o.actual, seasonalNaiveForecast(o.predict, H)),
    naive: wape(o.actual, naiveForecast(o.predict, H)),
  };
}
