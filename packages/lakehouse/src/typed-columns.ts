// Loads columns held in JS typed arrays into a DuckDB temp table through the appender, so callers that
// compute results column-wise (forecasts, metrics) can hand them to a write as `SELECT * FROM <table>`.
import { dateValue, type DuckDBConnection } from '@duckdb/node-api';
import { DeltaError } from './errors.js';
import { ident } from './sql.js';

export type StagedColumn =
  | { name: string; type: 'DOUBLE'; values: ArrayLike<number> } // NaN becomes NULL
  | { name: string; type: 'INTEGER'; values: ArrayLike<number> }
  | { name: string; type: 'VARCHAR'; values: ArrayLike<string | null> }
  | { name: string; type: 'DATE'; values: ArrayLike<number> } // days since 1970-01-01
  | { name: string; type: 'BOOLEAN'; values: ArrayLike<number | boolean> };

/** Creates (or replaces) temp table `name` holding the columns, all of equal length. */
export async function stageColumns(
  conn: DuckDBConnection,
  name: string,
  columns: readonly StagedColumn[],
): Promise<number> {
  const n = columns[0]?.values.length ?? 0;
  for (const c of columns) {
    if (c.values.length !== n) {
      const detail = `stageColumns: column ${c.name} has ${c.values.length} values, expected ${n}`;
      throw new DeltaError('INVALID_ARGUMENT', name, undefined, detail);
    }
  }
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${ident(name)} (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`,
  );
  const app = await conn.createAppender(name, 'main', 'temp');
  try {
    for (let i = 0; i < n; i++) {
      for (const c of columns) {
        const v = c.values[i];
        if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
          app.appendNull();
          continue;
        }
        switch (c.type) {
          case 'DOUBLE':
            app.appendDouble(v as number);
            break;
          case 'INTEGER':
            app.appendInteger(v as number);
            break;
          case 'VARCHAR':
            app.appendVarchar(v as string);
            break;
          case 'DATE':
            app.appendDate(dateValue(v as number));
            break;
          case 'BOOLEAN':
            app.appendBoolean(Boolean(v));
            break;
        }
      }
      app.endRow();
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
  return n;
}
