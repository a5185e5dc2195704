// Weekly p10/p90 of `cvc forecast show`: from the backtest's actual/forecast weekly totals (read from a
// real Delta table), not sums of daily quantiles; weeks without enough backtest samples fall back.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { append, createTable } from '@cvc/lakehouse';
import { weeklyRatios, weeklyTotals } from '../src/weekly.js';

const COLUMNS = [
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'model', type: 'VARCHAR' },
  { name: 'fold', type: 'INTEGER' },
  { name: 'store_id', type: 'VARCHAR' },
  { name: 'horizon_day', type: 'INTEGER' },
  { name: 'actual', type: 'DOUBLE' },
  { name: 'p50', type: 'DOUBLE' },
] as const;

describe('weekly forecast intervals', () => {
  it('takes the 10th/90th percentile of backtest weekly actual/forecast per horizon week', async () => {
    const table = join(mkdtempSync(join(tmpdir(), 'cvc-weekly-')), 'backtest_forecasts');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      await createTable(conn, table, { columns: COLUMNS.map((c) => ({ ...c })) });
      // 21 lgbm store windows: week 1 (days 1-7) forecast 100/day, actual 100 x r with r = 0.80, 0.82, .. 1.20;
      // week 2 has a missing actual in every window (not a whole week); a tft row must not count.
      await append(
        conn,
        table,
        `SELECT 'r1' AS run_id, 'lgbm' AS model, 0 AS fold, k::VARCHAR AS store_id, h::INTEGER AS horizon_day,
        CASE WHEN h = 10 THEN NULL ELSE 100 * (0.8 + 0.02 * k) END AS actual, 100.0 AS p50
        FROM range(21) t(k), range(1, 15) d(h)
        UNION ALL SELECT 'r1', 'tft', 0, '0', h::INTEGER, 1000.0, 1.0 FROM range(1, 8) d(h)`,
      );
      const ratios = await weeklyRatios(conn, table, 'lgbm');
      expect(ratios).toHaveLength(1);
      expect(ratios[0]!.week).toBe(0);
      expect(ratios[0]!.samples).toBe(21);
      expect(ratios[0]!.lo).toBeCloseTo(0.84, 10); // 0.1 x 20 = the 3rd of 21 evenly spaced ratios
      expect(ratios[0]!.hi).toBeCloseTo(1.16, 10);

      const days = Array.from({ length: 14 }, (_, i) => ({
        date: `2026-01-${String(i + 1).padStart(2, '0')}`,
        p10: 800,
        p50: 1000,
        p90: 1200,
      }));
      const weeks = weeklyTotals(days, ratios);
      expect(weeks[0]).toMatchObject({ from: '2026-01-01', to: '2026-01-07', p50: 7000, method: 'backtest' });
      expect(weeks[0]!.p10).toBeCloseTo(5880, 6); // 7000 x 0.84, narrower than the daily sum 5600
      expect(weeks[0]!.p90).toBeCloseTo(8120, 6);
      expect(weeks[1]).toEqual({
        from: '2026-01-08',
        to: '2026-01-14',
        p50: 7000,
        p10: 5600,
        p90: 8400,
        method: 'daily-sum',
      });
      expect(await weeklyRatios(conn, join(table, '..', 'absent'), 'lgbm')).toEqual([]);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it('falls back to daily sums below 20 backtest weeks', () => {
    const days = Array.from({ length: 7 }, (_, i) => ({ date: `2026-01-0${i + 1}`, p10: 1, p50: 2, p90: 3 }));
    expect(weeklyTotals(days, [{ week: 0, lo: 0.9, hi: 1.1, samples: 19 }])[0]).toMatchObject({
      p10: 7,
      p90: 21,
      method: 'daily-sum',
    });
  });
});
