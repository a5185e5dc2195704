// Reads what the last backtest decided: the model per store, the global best (the fallback), and the
// figures behind the choice, from the Delta tables `cvc backtest` wrote.
import { join } from 'node:path';
import { InputError, type LoadedConfig } from '@cvc/core';
import { scanSql, tableExists } from '@cvc/lakehouse';
import type { DuckDBConnection } from '@duckdb/node-api';
import { lakeTable } from '@cvc/core';

export interface BacktestChoice {
  runId: string;
  stores: Record<string, string>;
  globalBest: string;
  /** WAPE of the routed choice, pooled over stores and folds. */
  wape: number | null;
  folds: number;
  byModel: Record<string, Record<string, number>>;
  byStore: Record<string, number>;
}

export async function readLatestChoice(conn: DuckDBConnection, loaded: LoadedConfig): Promise<BacktestChoice | null> {
  const t = loaded.config.lake.tables;
  const choiceTable = lakeTable(loaded.paths.lake, t.modelChoice);
  const metricsTable = lakeTable(loaded.paths.lake, t.backtestMetrics);
  if (!(await tableExists(choiceTable))) return null;
  const choice = await scanSql(conn, choiceTable);
  const latest = (await conn.runAndReadAll(`SELECT run_id FROM ${choice} c ORDER BY created_at DESC LIMIT 1`)).getRowObjectsJS()[0];
  if (!latest) return null;
  const runId = String(latest['run_id']);
  const rows = (await conn.runAndReadAll(`SELECT store_id, model, wape, global_best FROM ${choice} c WHERE run_id = $1`, [runId])).getRowObjectsJS();
  const stores: Record<string, string> = {};
  const byStore: Record<string, number> = {};
  for (const r of rows) {
    stores[String(r['store_id'])] = String(r['model']);
    if (typeof r['wape'] === 'number' && Number.isFinite(r['wape'])) byStore[String(r['store_id'])] = r['wape'];
  }
  const globalBest = String(rows[0]?.['global_best'] ?? '');
  if (!globalBest) throw new InputError(`${choiceTable}: backtest run ${runId} has no model choice rows`);
  const byModel: Record<string, Record<string, number>> = {};
  let wape: number | null = null;
  let folds = 0;
  if (await tableExists(metricsTable)) {
    const metrics = await scanSql(conn, metricsTable);
    // WAPE pooled over stores and folds: sum |error| / sum |actual|.
    const perModel = (await conn.runAndReadAll(
      `SELECT model, sum(abs_error) / nullif(sum(actual_sum), 0) AS wape,
              avg(coverage80) AS coverage80, avg(mase) AS mase, count(DISTINCT fold)::INTEGER AS folds
       FROM ${metrics} m WHERE run_id = $1 AND n > 0 GROUP BY model`,
      [runId],
    )).getRowObjectsJS();
    for (const r of perModel) {
      const entry: Record<string, number> = {};
      for (const k of ['wape', 'coverage80', 'mase'] as const) if (typeof r[k] === 'number' && Number.isFinite(r[k])) entry[k] = r[k];
      byModel[String(r['model'])] = entry;
      folds = Math.max(folds, Number(r['folds']));
    }
    const routed = (await conn.runAndReadAll(
      `SELECT sum(m.abs_error) / nullif(sum(m.actual_sum), 0) AS wape
       FROM ${metrics} m JOIN ${choice} c ON c.run_id = m.run_id AND c.store_id = m.store_id AND c.model = m.model
       WHERE m.run_id = $1 AND m.n > 0`,
      [runId],
    )).getRowObjectsJS()[0];
    wape = typeof routed?.['wape'] === 'number' && Number.isFinite(routed['wape']) ? routed['wape'] : null;
  }
  return { runId, stores, globalBest, wape, folds, byModel, byStore };
}
