// Rolling accuracy over the last `windowDays` observed days: WAPE, bias and p10-p90 coverage per model,
// store and horizon bucket, plus the same per store and for the chain. Open days only: a closed day's
// forecast is the calendar's job, not the model's.
import type { DuckDBConnection } from '@duckdb/node-api';
import { addDays, formatIsoDay, parseIsoDay } from '@cvc/core';
import { scanSql } from '@cvc/lakehouse';
import { maxDay } from './stats.js';

/** Horizon buckets as the issue defines them: a week, two weeks, four weeks, the rest. */
export const HORIZON_BUCKETS = [
  { name: '1-7', upTo: 7 },
  { name: '8-14', upTo: 14 },
  { name: '15-28', upTo: 28 },
  { name: '29-35', upTo: Number.POSITIVE_INFINITY },
] as const;
export type BucketName = (typeof HORIZON_BUCKETS)[number]['name'];

export interface Accuracy {
  /** Forecast rows (as-of date x day) observed. */
  n: number;
  /** Distinct forecast days observed. */
  days: number;
  absError: number;
  actual: number;
  /** sum(yhat - actual) */
  error: number;
  inInterval: number;
  wape: number;
  bias: number;
  coverage: number;
}

export interface StoreBucketAccuracy extends Accuracy {
  model: string;
  storeId: string;
  bucket: BucketName;
}

/** One store's sums on one observed day of the window (every as-of date that forecast it, open days only). */
export interface DayAccuracy {
  date: string;
  n: number;
  absError: number;
  actual: number;
  error: number;
  inInterval: number;
}

export interface RollingMetrics {
  window: { from: string; to: string } | null;
  rows: StoreBucketAccuracy[];
  byStore: Map<string, Accuracy & { model: string }>;
  /** Per store, its observed days in date order: what the alerts name as the days that drive them. */
  storeDays: Map<string, DayAccuracy[]>;
  chain: Accuracy;
  chainByBucket: Record<string, Accuracy>;
  /** Chain accuracy per observed day and bucket, for the page's chart. */
  daily: Array<{ date: string; bucket: BucketName; wape: number; coverage: number }>;
  /**
   * Forecast rows of the window on days the store was closed (is_open false): left out of every figure,
   * as the backtest leaves them out of its WAPE, and counted here so the reports can say so.
   */
  closed: number;
}

const empty = (): Accuracy => ({
  n: 0,
  days: 0,
  absError: 0,
  actual: 0,
  error: 0,
  inInterval: 0,
  wape: NaN,
  bias: NaN,
  coverage: NaN,
});

/** Adds `b` into `a` (day counts are not additive across stores; they take the max). */
function add(a: Accuracy, b: Accuracy): void {
  a.n += b.n;
  a.days = Math.max(a.days, b.days);
  a.absError += b.absError;
  a.actual += b.actual;
  a.error += b.error;
  a.inInterval += b.inInterval;
}

function finish<T extends Accuracy>(a: T): T {
  a.wape = a.actual > 0 ? a.absError / a.actual : NaN;
  a.bias = a.actual > 0 ? a.error / a.actual : NaN;
  a.coverage = a.n > 0 ? a.inInterval / a.n : NaN;
  return a;
}

export function bucketCase(col: string): string {
  const whens = HORIZON_BUCKETS.filter((b) => Number.isFinite(b.upTo)).map(
    (b) => `WHEN ${col} <= ${b.upTo} THEN '${b.name}'`,
  );
  return `CASE ${whens.join(' ')} ELSE '${HORIZON_BUCKETS[HORIZON_BUCKETS.length - 1]!.name}' END`;
}

export async function rollingMetrics(
  conn: DuckDBConnection,
  accuracyTable: string,
  windowDays: number,
): Promise<RollingMetrics> {
  const last = await maxDay(conn, accuracyTable, 'forecast_date');
  const chain = finish(empty());
  if (last == null)
    return {
      window: null,
      rows: [],
      byStore: new Map(),
      storeDays: new Map(),
      chain,
      chainByBucket: {},
      daily: [],
      closed: 0,
    };
  const to = String(last);
  const from = formatIsoDay(addDays(parseIsoDay(to), -(windowDays - 1)));
  const scan = await scanSql(conn, accuracyTable, { filters: { forecast_date: { gte: from } } });
  await conn.run(`CREATE OR REPLACE TEMP VIEW accuracy_window AS
    SELECT *, ${bucketCase('horizon_day')} AS bucket FROM ${scan} t WHERE is_open AND forecast_date >= DATE '${from}'`);
  try {
    const closedRows = (
      await conn.runAndReadAll(
        `SELECT count(*)::BIGINT AS n FROM ${scan} t WHERE NOT is_open AND forecast_date >= DATE '${from}'`,
      )
    ).getRowObjectsJS()[0]?.['n'];
    const sums = `count(*)::BIGINT AS n, count(DISTINCT forecast_date)::BIGINT AS days,
      sum(abs_error) AS ae, sum(actual) AS act,
      sum(yhat - actual) AS err, count(*) FILTER (WHERE in_interval)::BIGINT AS cov`;
    const rows = (
      await conn.runAndReadAll(`SELECT model, store_id, bucket, ${sums} FROM accuracy_window GROUP BY ALL ORDER BY ALL`)
    ).getRowObjectsJS();
    const out: StoreBucketAccuracy[] = [];
    const byStore = new Map<string, Accuracy & { model: string }>();
    const chainByBucket: Record<string, Accuracy> = {};
    for (const r of rows) {
      const a: Accuracy = {
        ...empty(),
        n: Number(r['n']),
        days: Number(r['days']),
        absError: Number(r['ae']),
        actual: Number(r['act']),
        error: Number(r['err']),
        inInterval: Number(r['cov']),
      };
      const storeId = String(r['store_id']);
      const model = String(r['model']);
      out.push(finish({ ...a, model, storeId, bucket: String(r['bucket']) as BucketName }));
      let s = byStore.get(storeId);
      if (!s) byStore.set(storeId, (s = { ...empty(), model }));
      add(s, a);
      add((chainByBucket[String(r['bucket'])] ??= empty()), a);
      add(chain, a);
    }
    // Day counts per store are distinct days across buckets, not the max of the buckets'.
    const days = (
      await conn.runAndReadAll(
        'SELECT store_id, count(DISTINCT forecast_date)::BIGINT AS d FROM accuracy_window GROUP BY 1',
      )
    ).getRowObjectsJS();
    for (const d of days) byStore.get(String(d['store_id']))!.days = Number(d['d']);
    byStore.forEach(finish);
    Object.values(chainByBucket).forEach(finish);
    finish(chain);
    const daily = (
      await conn.runAndReadAll(`SELECT forecast_date::VARCHAR AS d, bucket,
          sum(abs_error) / nullif(sum(actual), 0) AS wape,
        avg(in_interval::INTEGER) AS coverage FROM accuracy_window GROUP BY ALL ORDER BY ALL`)
    )
      .getRowObjectsJS()
      .map((r) => ({
        date: String(r['d']),
        bucket: String(r['bucket']) as BucketName,
        wape: Number(r['wape'] ?? NaN),
        coverage: Number(r['coverage']),
      }));
    const storeDays = new Map<string, DayAccuracy[]>();
    const perDay = (
      await conn.runAndReadAll(`SELECT store_id, forecast_date::VARCHAR AS d, ${sums}
        FROM accuracy_window GROUP BY store_id, forecast_date ORDER BY store_id, forecast_date`)
    ).getRowObjectsJS();
    for (const r of perDay) {
      const id = String(r['store_id']);
      let list = storeDays.get(id);
      if (!list) storeDays.set(id, (list = []));
      list.push({
        date: String(r['d']),
        n: Number(r['n']),
        absError: Number(r['ae']),
        actual: Number(r['act']),
        error: Number(r['err']),
        inInterval: Number(r['cov']),
      });
    }
    return {
      window: { from, to },
      rows: out,
      byStore,
      storeDays,
      chain,
      chainByBucket,
      daily,
      closed: Number(closedRows ?? 0),
    };
  } finally {
    await conn.run('DROP VIEW IF EXISTS accuracy_window');
  }
}
