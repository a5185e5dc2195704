// Point forecasts of the three baselines every model must beat.

/** Seasonal naive: the same weekday last week, repeated; a missing day falls back a further week. */
export function seasonalNaive(sales: Float64Array, end: number, horizon: number): Float64Array {
  const out = new Float64Array(horizon);
  for (let h = 0; h < horizon; h++) {
    let v = Number.NaN;
    for (let back = 7 - (h % 7); end - back >= 0 && back <= 7 * 8; back += 7) {
      const x = sales[end - back]!;
      if (Number.isFinite(x)) {
        v = x;
        break;
      }
    }
    out[h] = v;
  }
  return out;
}

/** The mean of the same weekday over the last `weeks` weeks (known days only). */
export function weekdayMean(
  sales: Float64Array,
  end: number,
  horizon: number,
  params: Record<string, unknown>,
): Float64Array {
  const weeks = typeof params['weeks'] === 'number' ? params['weeks'] : 4;
  const byWeekday = new Float64Array(7).fill(Number.NaN);
  for (let d = 0; d < 7; d++) {
    let sum = 0;
    let n = 0;
    for (let w = 1; w <= weeks; w++) {
      const i = end - 7 * w + d;
      if (i < 0 || i >= end) continue;
      const x = sales[i]!;
      if (Number.isFinite(x)) {
        sum += x;
        n++;
      }
    }
    byWeekday[d] = n > 0 ? sum / n : Number.NaN;
  }
  const out = new Float64Array(horizon);
  // byWeekday[d] holds days end - 7w + d, the same weekday as end + d.
  for (let h = 0; h < horizon; h++) out[h] = byWeekday[h % 7]!;
  return out;
}

const ALPHAS = [0.05, 0.1, 0.2, 0.35, 0.5];
const GAMMAS = [0.05, 0.15, 0.3];

interface HwState {
  level: number;
  season: Float64Array; // indexed by day index mod 7
  sse: number;
}

/** Holt-Winters with additive weekly seasonality and no trend, ETS(A,N,A); missing days are skipped. */
function runHoltWinters(sales: Float64Array, from: number, end: number, alpha: number, gamma: number): HwState {
  const season = new Float64Array(7);
  let level = Number.NaN;
  // Initial level and seasonal indices from the first two weeks with data.
  let sum = 0;
  let n = 0;
  for (let i = from; i < Math.min(end, from + 14); i++) if (Number.isFinite(sales[i]!)) ((sum += sales[i]!), n++);
  level = n > 0 ? sum / n : 0;
  for (let i = from; i < Math.min(end, from + 14); i++)
    if (Number.isFinite(sales[i]!)) season[i % 7] = sales[i]! - level;
  let sse = 0;
  for (let i = from + 14; i < end; i++) {
    const y = sales[i]!;
    if (!Number.isFinite(y)) continue;
    const s = season[i % 7]!;
    const err = y - (level + s);
    sse += err * err;
    const newLevel = level + alpha * err;
    season[i % 7] = s + gamma * (y - newLevel - s);
    level = newLevel;
  }
  return { level, season, sse };
}

/** Per-store exponential smoothing, ETS(A,N,A), with alpha and gamma chosen by in-sample one-step error. */
export function exponentialSmoothing(
  sales: Float64Array,
  end: number,
  horizon: number,
  params: Record<string, unknown>,
): Float64Array {
  const fitDays = typeof params['fitDays'] === 'number' ? params['fitDays'] : 365;
  const from = Math.max(0, end - fitDays);
  let best: HwState | null = null;
  for (const a of ALPHAS) {
    for (const g of GAMMAS) {
      const st = runHoltWinters(sales, from, end, a, g);
      if (!best || st.sse < best.sse) best = st;
    }
  }
  const out = new Float64Array(horizon);
  for (let h = 0; h < horizon; h++) out[h] = best!.level + best!.season[(end + h) % 7]!;
  return out;
}
