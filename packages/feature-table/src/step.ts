// What every step (backtest, train, infer) starts from: the loaded config, its logger and progress
// callback with their silent defaults, every table's path, and an in-memory DuckDB to read them with.
import { noProgress, silentLogger, type CvcConfig, type LoadedConfig, type Logger, type ProgressFn } from '@cvc/core';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { lakeTables, type LakeTables } from './tables.js';

export interface StepStart {
  loaded: LoadedConfig;
  cfg: CvcConfig;
  log: Logger;
  progress: ProgressFn;
  tables: LakeTables;
  /** performance.now() when the step began, for its `seconds`. */
  t0: number;
}

export function startStep(opts: { loaded: LoadedConfig; log?: Logger; onProgress?: ProgressFn }): StepStart {
  const { loaded } = opts;
  return {
    loaded,
    cfg: loaded.config,
    log: opts.log ?? silentLogger,
    progress: opts.onProgress ?? noProgress,
    tables: lakeTables(loaded),
    t0: performance.now(),
  };
}

/** An in-memory DuckDB connection; `close()` releases the connection and the database. */
export async function openDuckDb(): Promise<{ conn: DuckDBConnection; close: () => void }> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  return {
    conn,
    close: () => {
      conn.closeSync();
      db.closeSync();
    },
  };
}
