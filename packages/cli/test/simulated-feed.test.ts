// The demo's simulated days feed the source the way a real feed fills it: a row reaches the source when
// it is loaded (its updated_at), not on its sale date. Late loads and corrections of the default demo
// (150 stores, as of 2025-12-31) once reached the source days before their updated_at, pushed ingest's
// watermark into the simulated future and hid the next days' rows: the feature table stopped at
// 2026-01-08 and daily alerted stale_data. Each day's incremental ingest must read every row that
// arrived and end on that day, and the lake must hold exactly the source's latest values.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { addDays, formatIsoDay, loadConfig, parseIsoDay } from '@cvc/core';
import { appendDemoSales, demoDaysAfter, writeDemoSource } from '@cvc/demo-source';
import { lakeTables } from '@cvc/feature-table';
import { runIngest } from '@cvc/ingest';
import { scanSql } from '@cvc/lakehouse';

const SOURCE = { stores: 150, from: '2019-01-01', asOf: '2025-12-31', seed: 42 };

describe('simulated days of the demo source', () => {
  it('feeds rows by load time, so each incremental ingest reads them all and keeps the lake current', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cvc-feed-'));
    mkdirSync(join(dir, 'configs'));
    const file = join(dir, 'configs', 'cvc.yaml');
    writeFileSync(file, `demo: { stores: ${SOURCE.stores}, asOf: "${SOURCE.asOf}" }\n`);
    const loaded = loadConfig(file);
    await writeDemoSource({ path: loaded.paths.demoSource, ...SOURCE, badRows: 0 });
    await runIngest({ loaded, today: SOURCE.asOf });

    const next = demoDaysAfter({ ...SOURCE, badRows: 0 }, 14);
    const seen: Array<{ day: string; arrived: number; read: number; lastDay: string | null }> = [];
    for (const day of next.days) {
      const arrived = await appendDemoSales(loaded.paths.demoSource, next.feedOf(day));
      const s = await runIngest({ loaded, today: formatIsoDay(addDays(parseIsoDay(day), 1)) });
      seen.push({ day, arrived, read: s.rowsRead, lastDay: s.lastDay });
    }
    expect(seen.map((d) => ({ read: d.read, lastDay: d.lastDay }))).toEqual(
      seen.map((d) => ({ read: d.arrived, lastDay: d.day })),
    );
    expect(seen.every((d) => d.arrived > 100)).toBe(true);

    // The lake holds the source's latest value of every (store, day) after the as-of date.
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const features = await scanSql(conn, lakeTables(loaded).features);
      await conn.run(`ATTACH '${loaded.paths.demoSource}' AS src (READ_ONLY)`);
      const diff = (
        await conn.runAndReadAll(`WITH latest AS (
            SELECT store_id::VARCHAR AS store_id, sale_date AS date, arg_max(gross_sales, updated_at)::DOUBLE AS sales
            FROM src.daily_sales WHERE sale_date > DATE '${SOURCE.asOf}' GROUP BY ALL)
          SELECT count(*)::INTEGER AS n, count(f.store_id)::INTEGER AS matched,
            count(*) FILTER (WHERE abs(f.sales - l.sales) > 0.005)::INTEGER AS differ
          FROM latest l LEFT JOIN ${features} f ON f.store_id = l.store_id AND f.date = l.date AND NOT f.is_missing`)
      ).getRowObjectsJS()[0]!;
      expect(Number(diff['n'])).toBeGreaterThan(14 * 120);
      expect(diff).toEqual({ n: diff['n'], matched: diff['n'], differ: 0 });
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }, 300_000);
});
