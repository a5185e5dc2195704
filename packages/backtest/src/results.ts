// The backtest's Delta tables: forecasts per fold, metrics per store x fold x model, and the per-store
// choice that `cvc train` reads. Each run appends its rows under its own run_id, in one commit per table.
import { append, createTable, optimize, stageColumns, tableExists, type ColumnDef } from '@cvc/lakehouse';

/** Backtest rows are read by run, then model, then store: new tables cluster by those keys. */
export const BACKTEST_CLUSTER_BY = ['run_id', 'model', 'store_id'] as const;
import type { DuckDBConnection } from '@duckdb/node-api';
import { METRIC_NAMES, parseIsoDay, type Metrics } from '@cvc/core';
import type { StoreChoice, StoreFoldScore } from './choice.js';
import type { FoldOutcome } from './chain.js';

export interface ScoredRow extends StoreFoldScore {
  format: string;
  metrics: Metrics;
}

const forecastColumns: ColumnDef[] = [
  { name: 'run_id', type: 'VARCHAR', nullable: false },
  { name: 'model', type: 'VARCHAR', nullable: false },
  { name: 'fold', type: 'INTEGER', nullable: false },
  { name: 'cutoff', type: 'DATE', nullable: false },
  { name: 'store_id', type: 'VARCHAR', nullable: false },
  { name: 'forecast_date', type: 'DATE', nullable: false },
  { name: 'horizon_day', type: 'INTEGER', nullable: false },
  { name: 'actual', type: 'DOUBLE' },
  { name: 'p10', type: 'DOUBLE' },
  { name: 'p50', type: 'DOUBLE' },
  { name: 'p90', type: 'DOUBLE' },
];

const metricColumns: ColumnDef[] = [
  { name: 'run_id', type: 'VARCHAR', nullable: false },
  { name: 'model', type: 'VARCHAR', nullable: false },
  { name: 'fold', type: 'INTEGER', nullable: false },
  { name: 'store_id', type: 'VARCHAR', nullable: false },
  { name: 'format', type: 'VARCHAR' },
  { name: 'n', type: 'INTEGER' },
  { name: 'abs_error', type: 'DOUBLE' },
  { name: 'actual_sum', type: 'DOUBLE' },
  ...METRIC_NAMES.map((m): ColumnDef => ({ name: m, type: 'DOUBLE' })),
];

export const choiceColumns: ColumnDef[] = [
  { name: 'run_id', type: 'VARCHAR', nullable: false },
  { name: 'store_id', type: 'VARCHAR', nullable: false },
  { name: 'model', type: 'VARCHAR', nullable: false },
  { name: 'wape', type: 'DOUBLE' },
  { name: 'folds', type: 'INTEGER' },
  { name: 'reason', type: 'VARCHAR' },
  { name: 'global_best', type: 'VARCHAR' },
  { name: 'created_at', type: 'TIMESTAMP WITH TIME ZONE' },
];

/** Clusters a table after a write: compacts this run's small files with earlier small ones (a no-op otherwise). */
async function cluster(conn: DuckDBConnection, table: string, runId: string): Promise<void> {
  await optimize(conn, table, { metadata: { runId, operation: 'backtest optimize' } });
}

async function ensure(conn: DuckDBConnection, table: string, columns: ColumnDef[], clusterBy: string[], description: string): Promise<void> {
  if (!(await tableExists(table))) await createTable(conn, table, { columns, clusterBy, description, ifNotExists: true });
}

export async function writeForecasts(
  conn: DuckDBConnection,
  table: string,
  runId: string,
  outcomes: readonly FoldOutcome[],
  cutoffs: ReadonlyMap<number, string>,
  actualOf: (storeId: string, start: string, n: number) => Float64Array,
): Promise<number> {
  const cols = { model: [] as string[], fold: [] as number[], cutoff: [] as number[], store: [] as string[], date: [] as number[], h: [] as number[], actual: [] as number[], p10: [] as number[], p50: [] as number[], p90: [] as number[] };
  for (const o of outcomes) {
    for (const f of o.forecasts) {
      const start = parseIsoDay(f.start);
      const actual = actualOf(f.storeId, f.start, f.p50.length);
      for (let h = 0; h < f.p50.length; h++) {
        cols.model.push(o.model);
        cols.fold.push(o.fold);
        cols.cutoff.push(parseIsoDay(cutoffs.get(o.fold)!));
        cols.store.push(f.storeId);
        cols.date.push(start + h);
        cols.h.push(h + 1);
        cols.actual.push(actual[h]!);
        cols.p10.push(f.p10[h]!);
        cols.p50.push(f.p50[h]!);
        cols.p90.push(f.p90[h]!);
      }
    }
  }
  await ensure(conn, table, forecastColumns, [...BACKTEST_CLUSTER_BY], 'cvc backtest: forecasts per fold');
  const n = await stageColumns(conn, 'bt_forecasts', [
    { name: 'run_id', type: 'VARCHAR', values: new Array<string>(cols.model.length).fill(runId) },
    { name: 'model', type: 'VARCHAR', values: cols.model },
    { name: 'fold', type: 'INTEGER', values: cols.fold },
    { name: 'cutoff', type: 'DATE', values: cols.cutoff },
    { name: 'store_id', type: 'VARCHAR', values: cols.store },
    { name: 'forecast_date', type: 'DATE', values: cols.date },
    { name: 'horizon_day', type: 'INTEGER', values: cols.h },
    { name: 'actual', type: 'DOUBLE', values: cols.actual },
    { name: 'p10', type: 'DOUBLE', values: cols.p10 },
    { name: 'p50', type: 'DOUBLE', values: cols.p50 },
    { name: 'p90', type: 'DOUBLE', values: cols.p90 },
  ]);
  await append(conn, table, 'SELECT * FROM bt_forecasts', { metadata: { runId, operation: 'backtest' } });
  await cluster(conn, table, runId);
  return n;
}

export async function writeMetrics(conn: DuckDBConnection, table: string, runId: string, rows: readonly ScoredRow[]): Promise<void> {
  await ensure(conn, table, metricColumns, [...BACKTEST_CLUSTER_BY], 'cvc backtest: metrics per store, fold and model');
  await stageColumns(conn, 'bt_metrics', [
    { name: 'run_id', type: 'VARCHAR', values: rows.map(() => runId) },
    { name: 'model', type: 'VARCHAR', values: rows.map((r) => r.model) },
    { name: 'fold', type: 'INTEGER', values: rows.map((r) => r.fold) },
    { name: 'store_id', type: 'VARCHAR', values: rows.map((r) => r.storeId) },
    { name: 'format', type: 'VARCHAR', values: rows.map((r) => r.format) },
    { name: 'n', type: 'INTEGER', values: rows.map((r) => r.metrics.n) },
    { name: 'abs_error', type: 'DOUBLE', values: rows.map((r) => r.absError) },
    { name: 'actual_sum', type: 'DOUBLE', values: rows.map((r) => r.actualSum) },
    ...METRIC_NAMES.map((m) => ({ name: m, type: 'DOUBLE' as const, values: rows.map((r) => r.metrics[m]) })),
  ]);
  await append(conn, table, 'SELECT * FROM bt_metrics', { metadata: { runId, operation: 'backtest' } });
  await cluster(conn, table, runId);
}

export async function writeChoice(conn: DuckDBConnection, table: string, runId: string, choices: readonly StoreChoice[], globalBest: string): Promise<void> {
  await ensure(conn, table, choiceColumns, ['run_id', 'store_id'], 'cvc backtest: the model chosen for each store');
  await stageColumns(conn, 'bt_choice', [
    { name: 'run_id', type: 'VARCHAR', values: choices.map(() => runId) },
    { name: 'store_id', type: 'VARCHAR', values: choices.map((c) => c.storeId) },
    { name: 'model', type: 'VARCHAR', values: choices.map((c) => c.model) },
    { name: 'wape', type: 'DOUBLE', values: choices.map((c) => c.wape) },
    { name: 'folds', type: 'INTEGER', values: choices.map((c) => c.folds) },
    { name: 'reason', type: 'VARCHAR', values: choices.map((c) => c.reason) },
    { name: 'global_best', type: 'VARCHAR', values: choices.map(() => globalBest) },
  ]);
  await append(conn, table, 'SELECT *, now() AS created_at FROM bt_choice', { metadata: { runId, operation: 'backtest', globalBest } });
  await cluster(conn, table, runId);
}
