// Per-file statistics in Delta's format (PROTOCOL.md "Per-file Statistics"): numRecords, and per
// column minValues, maxValues, nullCount. Timestamps are ISO strings at millisecond precision in
// UTC, so the max is rounded up to keep the bound safe for skipping.

import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duckdb.js';
import type { FileStats } from '../log/actions.js';
import type { SchemaField } from '../schema.js';
import { ident, literal } from '../sql.js';

const DEFAULT_INDEXED_COLUMNS = 32;
/** Delta's default prefix length for string stats. */
const MAX_STRING_STAT_CHARS = 32;

/** The select entries for the min and max of column `i` (`lo`, `hi`: SQL of its min and max). */
function bounds(f: SchemaField, i: number, lo: string, hi: string): string[] {
  switch (f.sqlType) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER':
    case 'BIGINT':
    case 'FLOAT':
    case 'DOUBLE':
    case 'VARCHAR':
      return [`${lo}::VARCHAR AS lo${i}`, `${hi}::VARCHAR AS hi${i}`];
    case 'DATE':
      return [`strftime(${lo}, '%Y-%m-%d') AS lo${i}`, `strftime(${hi}, '%Y-%m-%d') AS hi${i}`];
    case 'TIMESTAMP WITH TIME ZONE':
      return [`epoch_us(${lo})::VARCHAR AS lo${i}`, `epoch_us(${hi})::VARCHAR AS hi${i}`];
    default:
      // Booleans, binary and nested types: Delta readers do not skip on them; nullCount is enough.
      return [];
  }
}

function aggregates(f: SchemaField, i: number): string[] {
  const c = ident(f.name);
  return [`(count(*) - count(${c}))::BIGINT AS n${i}`, ...bounds(f, i, `min(${c})`, `max(${c})`)];
}

function isoFromMicros(us: string, roundUp: boolean): string {
  const micros = BigInt(us);
  let ms = micros / 1000n;
  if (micros % 1000n < 0n) ms -= 1n;
  if (roundUp && micros % 1000n !== 0n) ms += 1n;
  return new Date(Number(ms)).toISOString();
}

function statValue(f: SchemaField, raw: unknown, isMax: boolean): unknown {
  if (raw === null || raw === undefined) return undefined;
  const s = String(raw);
  switch (f.sqlType) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER':
    case 'BIGINT': {
      // JSON numbers: BigInt-safe through Number only within 2^53; beyond that keep the bound safe.
      const n = Number(s);
      return Number.isSafeInteger(n) ? n : undefined;
    }
    case 'FLOAT':
    case 'DOUBLE': {
      const n = Number(s);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'TIMESTAMP WITH TIME ZONE':
      return isoFromMicros(s, isMax);
    case 'VARCHAR': {
      // Long strings would bloat every commit and checkpoint. A prefix is still a valid lower bound;
      // there is no short valid upper bound, so the max is left out (readers then never skip on it).
      const chars = Array.from(s);
      if (chars.length <= MAX_STRING_STAT_CHARS) return s;
      return isMax ? undefined : chars.slice(0, MAX_STRING_STAT_CHARS).join('');
    }
    default:
      return s;
  }
}

/** Stats for the rows of `fromSql` (a table or parenthesised query), over every column. */
export async function computeStats(
  conn: DuckDBConnection,
  schema: readonly SchemaField[],
  fromSql: string,
): Promise<FileStats> {
  const selects = ['count(*)::BIGINT AS num_records', ...schema.flatMap(aggregates)];
  const [row] = await queryRows(conn, `SELECT ${selects.join(', ')} FROM ${fromSql}`);
  return statsFromRow(
    schema,
    schema.map((_, i) => i),
    row,
  );
}

function statsFromRow(
  fields: readonly SchemaField[],
  at: readonly number[],
  row: Record<string, unknown> | undefined,
  into?: FileStats,
): FileStats {
  const stats: FileStats = into ?? {
    numRecords: Number(row?.['num_records'] ?? 0),
    minValues: {},
    maxValues: {},
    nullCount: {},
  };
  fields.forEach((f, k) => {
    const i = at[k]!;
    stats.nullCount[f.name] = Number(row?.[`n${i}`] ?? 0);
    const lo = statValue(f, row?.[`lo${i}`], false);
    const hi = statValue(f, row?.[`hi${i}`], true);
    if (lo !== undefined) stats.minValues[f.name] = lo;
    if (hi !== undefined) stats.maxValues[f.name] = hi;
  });
  return stats;
}

/** Column types whose Parquet footer statistics give the same stats as computeStats' aggregates. */
const FOOTER_TYPES = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'FLOAT',
  'DOUBLE',
  'VARCHAR',
  'DATE',
  'TIMESTAMP WITH TIME ZONE',
  'BOOLEAN',
]);

/**
 * The stats of a Parquet file DuckDB wrote (`location`, local), from its footer: the min, max and
 * null count of every row group, combined per column, instead of a scan of every value. A column
 * whose footer cannot give the exact figures (a row group without min/max, as for a column holding
 * NaN, or with a truncated long string, or without a null count) is scanned as computeStats does;
 * a table with a nested or other column type is scanned whole. Same result as computeStats.
 */
export async function fileStats(
  conn: DuckDBConnection,
  schema: readonly SchemaField[],
  location: string,
): Promise<FileStats> {
  const file = `read_parquet(${literal(location)})`;
  if (!schema.every((f) => f.sqlType !== undefined && FOOTER_TYPES.has(f.sqlType)))
    return computeStats(conn, schema, file);
  // A flat schema of primitive columns: the file's leaf column i is schema column i.
  const selects = [
    'coalesce(sum(row_group_num_rows) FILTER (WHERE column_id = 0), 0)::BIGINT AS num_records',
    ...schema.flatMap((f, i) => {
      const mine = `FILTER (WHERE column_id = ${i})`;
      const valued = `num_values > coalesce(stats_null_count, 0)`;
      const exact =
        `bool_and(stats_null_count IS NOT NULL AND (NOT (${valued}) OR (stats_min_value IS NOT NULL AND ` +
        `stats_max_value IS NOT NULL AND coalesce(min_is_exact, true) AND coalesce(max_is_exact, true)))) ${mine}`;
      const typed = (v: string) => `TRY_CAST(${v} AS ${f.sqlType})`;
      return [
        `coalesce(${exact}, true) AS ok${i}`,
        `coalesce(sum(stats_null_count) ${mine}, 0)::BIGINT AS n${i}`,
        ...bounds(
          f,
          i,
          `min(${typed('stats_min_value')}) ${mine.replace(')', ` AND ${valued})`)}`,
          `max(${typed('stats_max_value')}) ${mine.replace(')', ` AND ${valued})`)}`,
        ),
      ];
    }),
  ];
  const [row] = await queryRows(conn, `SELECT ${selects.join(', ')} FROM parquet_metadata(${literal(location)})`);
  const fromFooter = schema.map((_, i) => i).filter((i) => row?.[`ok${i}`] === true);
  const stats = statsFromRow(
    fromFooter.map((i) => schema[i]!),
    fromFooter,
    row,
  );
  const scanned = schema.map((_, i) => i).filter((i) => row?.[`ok${i}`] !== true);
  if (scanned.length > 0) {
    const aggs = scanned.flatMap((i) => aggregates(schema[i]!, i));
    const [scan] = await queryRows(conn, `SELECT ${aggs.join(', ')} FROM ${file}`);
    statsFromRow(
      scanned.map((i) => schema[i]!),
      scanned,
      scan,
      stats,
    );
  }
  // Keys in schema order, as computeStats gives them (the JSON in the log is then the same).
  const order = <T>(o: Record<string, T>) =>
    Object.fromEntries(schema.filter((f) => f.name in o).map((f) => [f.name, o[f.name]!]));
  return {
    numRecords: stats.numRecords,
    minValues: order(stats.minValues),
    maxValues: order(stats.maxValues),
    nullCount: order(stats.nullCount),
  };
}

export function indexedColumnCount(configuration: Record<string, string> | undefined): number {
  const n = Number(configuration?.['delta.dataSkippingNumIndexedCols'] ?? DEFAULT_INDEXED_COLUMNS);
  return Number.isInteger(n) && n >= 0 ? n : DEFAULT_INDEXED_COLUMNS;
}

/** Delta collects stats on the first `delta.dataSkippingNumIndexedCols` columns only. */
export function trimStats(stats: FileStats, schema: readonly SchemaField[], indexedColumns: number): FileStats {
  const keep = new Set(schema.slice(0, indexedColumns).map((f) => f.name));
  const pick = <T>(o: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(o).filter(([k]) => keep.has(k)));
  return {
    numRecords: stats.numRecords,
    minValues: pick(stats.minValues),
    maxValues: pick(stats.maxValues),
    nullCount: pick(stats.nullCount),
  };
}
