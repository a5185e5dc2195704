// SQL Server column types -> DuckDB staging types, and the conversion of each value tedious hands
// us. DECIMAL arrives as a JS number (tedious' default), so it is staged as DOUBLE: exact up to 15
// significant digits, which covers DECIMAL(14,2) sales.
import { DuckDBDateValue, DuckDBTimestampTZValue, DuckDBTimestampValue, type DuckDBAppender } from '@duckdb/node-api';

export type StageKind = 'DATE' | 'TIMESTAMP' | 'TIMESTAMPTZ' | 'DOUBLE' | 'INTEGER' | 'BIGINT' | 'BOOLEAN' | 'VARCHAR';

export interface StageColumn {
  name: string;
  kind: StageKind;
  /** The SQL Server declaration it came from (for messages). */
  sqlType: string;
}

/** The DuckDB type a SQL Server type is staged as (unknown types become VARCHAR, never dropped). */
export function stageKindOf(declaration: string): StageKind {
  switch (declaration.toLowerCase()) {
    case 'date':
      return 'DATE';
    case 'datetime':
    case 'datetime2':
    case 'smalldatetime':
      return 'TIMESTAMP';
    case 'datetimeoffset':
      return 'TIMESTAMPTZ';
    case 'decimal':
    case 'numeric':
    case 'money':
    case 'smallmoney':
    case 'float':
    case 'real':
      return 'DOUBLE';
    case 'int':
    case 'smallint':
    case 'tinyint':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'bit':
      return 'BOOLEAN';
    default:
      return 'VARCHAR'; // nvarchar, varchar, nchar, char, text, ntext, uniqueidentifier, ...
  }
}

/** Shape of mssql's recordset metadata we rely on (its `type` carries a runtime `declaration`). */
export interface ColumnMetadataLike {
  index: number;
  name: string;
  type: unknown;
}

export function stageColumns(meta: Record<string, ColumnMetadataLike>): StageColumn[] {
  return Object.values(meta)
    .sort((a, b) => a.index - b.index)
    .map((c) => {
      const decl = (c.type as { declaration?: unknown } | null)?.declaration;
      const sqlType = typeof decl === 'string' ? decl : 'unknown';
      return { name: c.name, kind: stageKindOf(sqlType), sqlType };
    });
}

const MS_PER_DAY = 86_400_000;

function toMillis(v: unknown): number | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.getTime();
  if (typeof v === 'string' || typeof v === 'number') {
    const t = new Date(v).getTime();
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** Appends one value; values that do not fit the column become NULL and the gate reports the row. */
export function appendValue(app: DuckDBAppender, kind: StageKind, v: unknown): void {
  if (v === null || v === undefined) {
    app.appendNull();
    return;
  }
  switch (kind) {
    case 'DATE': {
      // tedious returns DATE as a Date at 00:00 UTC (useUTC, the default).
      const ms = toMillis(v);
      if (ms === null) app.appendNull();
      else app.appendDate(new DuckDBDateValue(Math.floor(ms / MS_PER_DAY)));
      return;
    }
    case 'TIMESTAMP':
    case 'TIMESTAMPTZ': {
      const ms = toMillis(v);
      if (ms === null) app.appendNull();
      else if (kind === 'TIMESTAMP') app.appendTimestamp(new DuckDBTimestampValue(BigInt(ms) * 1000n));
      else app.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(ms) * 1000n));
      return;
    }
    case 'DOUBLE': {
      const n = typeof v === 'number' ? v : Number(v);
      if (Number.isNaN(n)) app.appendNull();
      else app.appendDouble(n);
      return;
    }
    case 'INTEGER': {
      const n = Number(v);
      if (!Number.isInteger(n)) app.appendNull();
      else app.appendInteger(n);
      return;
    }
    case 'BIGINT': {
      try {
        app.appendBigInt(BigInt(v as string | number | bigint));
      } catch {
        app.appendNull();
      }
      return;
    }
    case 'BOOLEAN':
      app.appendBoolean(v === true || v === 1 || v === '1' || v === 'true');
      return;
    default:
      app.appendVarchar(v instanceof Date ? v.toISOString() : String(v));
  }
}
