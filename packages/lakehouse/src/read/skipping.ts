// File skipping: keep only the files whose min/max/nullCount stats could hold rows matching the
// caller's simple filters. A file without usable stats is always kept.

import { DeltaError } from '../errors.js';
import type { FileStats } from '../log/actions.js';
import type { ActiveFile } from '../log/replay.js';
import type { SchemaField } from '../schema.js';
import { ident, literal } from '../sql.js';

export type Scalar = string | number | boolean | Date;
export interface RangeFilter {
  eq?: Scalar;
  gt?: Scalar;
  gte?: Scalar;
  lt?: Scalar;
  lte?: Scalar;
  in?: readonly Scalar[];
}
export type FilterValue = Scalar | null | RangeFilter;
export type Filters = Record<string, FilterValue>;

type Cmp = (a: unknown, b: unknown) => number;

function comparatorFor(field: SchemaField): Cmp {
  switch (field.sqlType) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER':
    case 'BIGINT':
    case 'FLOAT':
    case 'DOUBLE':
      return (a, b) => Number(a) - Number(b);
    case 'TIMESTAMP WITH TIME ZONE':
      return (a, b) => toMillis(a) - toMillis(b);
    case 'DATE':
      return (a, b) => cmpStr(toDateString(a), toDateString(b));
    default:
      return (a, b) => cmpStr(String(a), String(b));
  }
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toMillis(v: unknown): number {
  return v instanceof Date ? v.getTime() : new Date(String(v)).getTime();
}

function toDateString(v: unknown): string {
  return v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10);
}

function isRange(v: FilterValue): v is RangeFilter {
  return typeof v === 'object' && v !== null && !(v instanceof Date);
}

export function resolveFilters(
  table: string,
  version: number,
  schema: readonly SchemaField[],
  filters: Filters,
): Array<[SchemaField, FilterValue]> {
  return Object.entries(filters).map(([name, value]) => {
    const field =
      schema.find((f) => f.name === name) ?? schema.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!field) throw new DeltaError('INVALID_ARGUMENT', table, version, `filter on unknown column ${name}`);
    return [field, value];
  });
}

/** False only when the stats prove no row of the file can match. */
export function fileMayMatch(stats: FileStats | undefined, field: SchemaField, value: FilterValue): boolean {
  if (!stats || !Number.isFinite(stats.numRecords)) return true;
  const nulls = stats.nullCount[field.name];
  if (value === null) return nulls === undefined || nulls > 0;
  if (nulls !== undefined && nulls === stats.numRecords) return false; // all NULL: no comparison matches
  const lo = stats.minValues[field.name];
  const hi = stats.maxValues[field.name];
  const cmp = comparatorFor(field);
  const inRange = (v: Scalar): boolean =>
    (lo === undefined || cmp(v, lo) >= 0) && (hi === undefined || cmp(v, hi) <= 0);
  if (!isRange(value)) return inRange(value);
  if (value.eq !== undefined && !inRange(value.eq)) return false;
  if (value.in !== undefined && !value.in.some(inRange)) return false;
  if (hi !== undefined && value.gt !== undefined && cmp(hi, value.gt) <= 0) return false;
  if (hi !== undefined && value.gte !== undefined && cmp(hi, value.gte) < 0) return false;
  if (lo !== undefined && value.lt !== undefined && cmp(lo, value.lt) >= 0) return false;
  if (lo !== undefined && value.lte !== undefined && cmp(lo, value.lte) > 0) return false;
  return true;
}

export function skipFiles(
  files: readonly ActiveFile[],
  resolved: ReadonlyArray<[SchemaField, FilterValue]>,
): ActiveFile[] {
  return files.filter((f) => resolved.every(([field, value]) => fileMayMatch(f.stats, field, value)));
}

function sqlValue(field: SchemaField, v: Scalar): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : `CAST(${literal(String(v))} AS DOUBLE)`;
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  const text = v instanceof Date ? (field.sqlType === 'DATE' ? v.toISOString().slice(0, 10) : v.toISOString()) : v;
  return field.sqlType ? `CAST(${literal(text)} AS ${field.sqlType})` : literal(text);
}

/** The same filters as a SQL WHERE clause, so rows are filtered, not only files. */
export function filterSql(resolved: ReadonlyArray<[SchemaField, FilterValue]>): string | undefined {
  const terms: string[] = [];
  for (const [field, value] of resolved) {
    const c = ident(field.name);
    if (value === null) terms.push(`${c} IS NULL`);
    else if (!isRange(value)) terms.push(`${c} = ${sqlValue(field, value)}`);
    else {
      if (value.eq !== undefined) terms.push(`${c} = ${sqlValue(field, value.eq)}`);
      if (value.gt !== undefined) terms.push(`${c} > ${sqlValue(field, value.gt)}`);
      if (value.gte !== undefined) terms.push(`${c} >= ${sqlValue(field, value.gte)}`);
      if (value.lt !== undefined) terms.push(`${c} < ${sqlValue(field, value.lt)}`);
      if (value.lte !== undefined) terms.push(`${c} <= ${sqlValue(field, value.lte)}`);
      if (value.in !== undefined) {
        terms.push(value.in.length === 0 ? 'FALSE' : `${c} IN (${value.in.map((v) => sqlValue(field, v)).join(', ')})`);
      }
    }
  }
  return terms.length > 0 ? terms.join(' AND ') : undefined;
}
