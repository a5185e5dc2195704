// Reads what the last backtest decided: the model per store, the global best (the fallback), and the
// figures behind the choice, through the typed reader of the tables `cvc backtest` wrote.
import type { LoadedConfig } from '@cvc/core';
import { lakeTables, readLatestBacktestChoice, type BacktestChoice } from '@cvc/feature-table';
import type { DuckDBConnection } from '@duckdb/node-api';

export type { BacktestChoice };

export async function readLatestChoice(conn: DuckDBConnection, loaded: LoadedConfig): Promise<BacktestChoice | null> {
  return readLatestBacktestChoice(conn, lakeTables(loaded));
}
