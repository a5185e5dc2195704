// The backtest's Delta tables (declared in @cvc/feature-table): forecasts per fold, metrics per store x
// fold x model, and the per-store choice that `cvc train` reads. This file turns the backtest's outcomes
// into the declared rows; the typed writers append them under the run's id.
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseIsoDay, type Metrics } from '@cvc/core';
import {
  appendBacktestForecasts,
  appendBacktestMetrics,
  appendModelChoice,
  type BacktestForecastColumns,
  type BacktestWriteMode,
} from '@cvc/feature-table';
import type { StoreChoice, StoreFoldScore } from './choice.js';
import type { FoldOutcome } from './chain.js';

export interface ScoredRow extends StoreFoldScore {
  format: string;
  metrics: Metrics;
}

export async function writeForecasts(
  conn: DuckDBConnection,
  table: string,
  runId: string,
  outcomes: readonly FoldOutcome[],
  cutoffs: ReadonlyMap<number, string>,
  actualOf: (storeId: string, start: string, n: number) => Float64Array,
  mode: BacktestWriteMode = {},
): Promise<number> {
  const cols: BacktestForecastColumns = {
    model: [],
    fold: [],
    cutoff: [],
    storeId: [],
    forecastDate: [],
    horizonDay: [],
    actual: [],
    p10: [],
    p50: [],
    p90: [],
  };
  for (const o of outcomes) {
    for (const f of o.forecasts) {
      const start = parseIsoDay(f.start);
      const actual = actualOf(f.storeId, f.start, f.p50.length);
      for (let h = 0; h < f.p50.length; h++) {
        cols.model.push(o.model);
        cols.fold.push(o.fold);
        cols.cutoff.push(parseIsoDay(cutoffs.get(o.fold)!));
        cols.storeId.push(f.storeId);
        cols.forecastDate.push(start + h);
        cols.horizonDay.push(h + 1);
        cols.actual.push(actual[h]!);
        cols.p10.push(f.p10[h]!);
        cols.p50.push(f.p50[h]!);
        cols.p90.push(f.p90[h]!);
      }
    }
  }
  return appendBacktestForecasts(conn, table, runId, cols, mode);
}

export async function writeMetrics(
  conn: DuckDBConnection,
  table: string,
  runId: string,
  rows: readonly ScoredRow[],
  mode: BacktestWriteMode = {},
): Promise<void> {
  await appendBacktestMetrics(conn, table, runId, rows, mode);
}

export async function writeChoice(
  conn: DuckDBConnection,
  table: string,
  runId: string,
  choices: readonly StoreChoice[],
  globalBest: string,
  mode: BacktestWriteMode = {},
): Promise<void> {
  await appendModelChoice(conn, table, runId, choices, globalBest, mode);
}
