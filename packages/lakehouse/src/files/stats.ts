// Per-file statistics in Delta's format (PROTOCOL.md "Per-file Statistics"): numRecords, and per
// column minValues, maxValues, nullCount. Timestamps are ISO strings at millisecond precision in
// UTC, so the max is rounded up to keep the bound safe for skipping.

import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duckdb.js';
import type { FileStats } from '../log/actions.js';
import type { SchemaField } from '../schema.js';
import { ident } from '../sql.js';

const DEFAULT_INDEXED_COLUMNS = 32;
/** Delta's default prefix length for string stats. */
const MAX_STRING_STAT_CHARS = 32;

function aggregates(f: SchemaField, i: number): string[] {
  const c = ident(f.name);
  const out = [`(count(*) - count(${c}))::BIGINT AS n${i}`];
  switch (f.sqlType) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER':
    case 'BIGINT':
    case 'FLOAT':
    case 'DOUBLE':
    case 'VARCHAR':
      out.push(`min(${c})::VARCHAR AS lo${i}`, `max(${c})::VARCHAR AS hi${i}`);
      break;
    case 'DATE':
      out.push(`strftime(min(${c}), '%Y-%m-%d') AS lo${i}`, `strftime(max(${c}), '%Y-%m-%d') AS hi${i}`);
      break;
    case 'TIMESTAMP WITH TIME ZONE':
      out.push(`epoch_us(min(${c}))::VARCHAR AS lo${i}`, `epoch_us(max(${c}))::VARCHAR AS hi${i}`);
      break;
    default:
      // Booleans, binary and nested types: Delta readers do not skip on them; nullCount is enough.
      break;
  }
  return out;
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
  const fields = schema;
  const selects = ['count(*)::BIGINT AS num_records', ...fields.flatMap(aggregates)];
  const [row] = await queryRows(conn, `SELECT ${selects.join(', ')} FROM ${fromSql}`);
  const stats: FileStats = {
    numRecords: Number(row?.['num_records'] ?? 0),
    minValues: {},
    maxValues: {},
    nullCount: {},
  };
  fields.forEach((f, i) => {
    stats.nullCount[f.name] = Number(row?.[`n${i}`] ?? 0);
    const lo = statValue(f, row?.[`lo${i}`], false);
    const hi = statValue(f, row?.[`hi${i}`], true);
    if (lo !== undefined) stats.minValues[f.name] = lo;
    if (hi !== undefined) stats.maxValues[f.name] = hi;
  });
  return stats;
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
