// Weekly totals of a daily forecast with an honest p10-p90. Summing daily p10s (or p90s) gives the
// interval of a week whose days all miss together, which is far too wide when day errors partly cancel.
// Instead: the weekly p50 times the 10th and 90th percentile of actual / forecast weekly totals in the
// backtest of the same model (every backtest run, store and fold in the lake, per week of the horizon).
import type { DuckDBConnection } from '@duckdb/node-api';
import { scanSql, tableExists } from '@cvc/lakehouse';

/** Per week of the horizon (0 = days 1-7): the 10th and 90th percentile of actual / forecast weekly sums. */
export interface WeeklyRatio {
  week: number;
  lo: number;
  hi: number;
  samples: number;
}

export interface WeekRow {
  from: string;
  to: string;
  p10: number;
  p50: number;
  p90: number;
  /** How p10/p90 were made: backtest weekly ratios, or the sum of daily quantiles when there are none. */
  method: 'backtest' | 'daily-sum';
}

/** Below this many backtest weeks the percentiles say too little; the week falls back to daily sums. */
export const MIN_WEEKLY_SAMPLES = 20;

export async function weeklyRatios(
  conn: DuckDBConnection,
  backtestForecasts: string,
  model: string,
): Promise<WeeklyRatio[]> {
  if (!model || !(await tableExists(backtestForecasts))) return [];
  const scan = await scanSql(conn, backtestForecasts, { filters: { model } });
  // Whole weeks only (7 actuals), with a positive forecast to divide by.
  const rows = (
    await conn.runAndReadAll(
      `WITH w AS (SELECT run_id, fold, store_id, (horizon_day - 1) // 7 AS week,
                       sum(actual) AS a, sum(p50) AS f, count(actual) AS n
                FROM ${scan} b WHERE model = $1 GROUP BY ALL)
     SELECT week::INTEGER AS week, quantile_cont(a / f, 0.1) AS lo, quantile_cont(a / f, 0.9) AS hi,
            count(*)::INTEGER AS samples
     FROM w WHERE n = 7 AND f > 0 GROUP BY week ORDER BY week`,
      [model],
    )
  ).getRowObjectsJS();
  return rows.map((r) => ({
    week: Number(r['week']),
    lo: Number(r['lo']),
    hi: Number(r['hi']),
    samples: Number(r['samples']),
  }));
}

/**
 * Blocks of 7 forecast days from the first: the p50 sum, and an interval from `ratios` where they have
 * enough samples.
 */
export function weeklyTotals(
  forecast: readonly { date: string; p10: number; p50: number; p90: number }[],
  ratios: readonly WeeklyRatio[],
): WeekRow[] {
  const out: WeekRow[] = [];
  for (let i = 0; i < forecast.length; i += 7) {
    const w = forecast.slice(i, i + 7);
    const p50 = w.reduce((a, f) => a + f.p50, 0);
    const r = ratios.find((x) => x.week === i / 7);
    const fromBacktest = w.length === 7 && r !== undefined && r.samples >= MIN_WEEKLY_SAMPLES;
    out.push({
      from: w[0]!.date,
      to: w[w.length - 1]!.date,
      p50,
      p10: fromBacktest ? p50 * Math.min(1, r.lo) : w.reduce((a, f) => a + f.p10, 0),
      p90: fromBacktest ? p50 * Math.max(1, r.hi) : w.reduce((a, f) => a + f.p90, 0),
      method: fromBacktest ? 'backtest' : 'daily-sum',
    });
  }
  return out;
}
