// Reads the feature table into StoreSeries, the input of every model. One snapshot, two queries
// (a per-store summary, then every row ordered by store and date) and a column-wise copy into typed
// arrays: no per-row objects, so millions of rows stay cheap.
import {
  FUTURE_COVARIATES,
  PAST_COVARIATES,
  STATIC_COVARIATES,
  TARGET_COLUMN,
  type StaticColumn,
  type StoreSeries,
} from '@cvc/core';
import { createView, loadSnapshot, scanSql, tableExists, type Filters } from '@cvc/lakehouse';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FeatureTableError } from './errors.js';
import { FEATURE_META_COLUMNS } from './schema.js';
import type { LakeTables } from './tables.js';

export interface ReadSeriesOptions {
  /** First day (ISO, inclusive). */
  from?: string;
  /** Last day (ISO, inclusive). */
  to?: string;
  storeIds?: readonly string[];
  /** Time travel: read the feature table as of this Delta version. */
  version?: number;
}

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;
let viewSeq = 0;

/** Table property (written by ingest) listing the carried source columns that are known ahead. */
export const FUTURE_COLUMNS_PROPERTY = 'cvc.features.futureColumns';

/** Table property (written by ingest) listing the store statics the rows carry, with their kinds. */
export const STATIC_COLUMNS_PROPERTY = 'cvc.features.staticColumns';

interface Carried {
  past: string[];
  future: string[];
  statics: StaticColumn[];
}

/**
 * The configured source columns the table carries, found in its schema: past covariates (n_sales and
 * source.columns.extra), user future covariates (source.columns.future) and store statics
 * (source.storeColumns.statics), the last two named in table properties.
 */
async function carriedColumns(table: string, version?: number): Promise<Carried> {
  const snap = await loadSnapshot(table, version === undefined ? {} : { version });
  const known = new Set<string>([...FEATURE_META_COLUMNS, TARGET_COLUMN, ...FUTURE_COVARIATES]);
  const declared = snap.properties[FUTURE_COLUMNS_PROPERTY];
  const futureSet = new Set<string>(declared ? (JSON.parse(declared) as string[]) : []);
  const staticsDeclared = snap.properties[STATIC_COLUMNS_PROPERTY];
  const inSchema = new Set(snap.schema.map((c) => c.name));
  const statics = (staticsDeclared ? (JSON.parse(staticsDeclared) as StaticColumn[]) : []).filter((st) =>
    inSchema.has(st.column),
  );
  const staticSet = new Set(statics.map((st) => st.column));
  const carried = snap.schema
    .map((c) => c.name)
    .filter((n) => !known.has(n) || (PAST_COVARIATES as readonly string[]).includes(n))
    .filter((n) => !staticSet.has(n));
  return {
    past: carried.filter((n) => !futureSet.has(n)),
    future: carried.filter((n) => futureSet.has(n)),
    statics,
  };
}

/** The store statics (source.storeColumns.statics) the feature table carries. */
export async function storeStaticColumns(tables: Pick<LakeTables, 'features'>): Promise<StaticColumn[]> {
  if (!(await tableExists(tables.features))) return [];
  return (await carriedColumns(tables.features)).statics;
}

/** The user future covariates (source.columns.future) the feature table carries. */
export async function userFutureColumns(tables: Pick<LakeTables, 'features'>): Promise<string[]> {
  if (!(await tableExists(tables.features))) return [];
  return (await carriedColumns(tables.features)).future;
}

/** Bad input (exit 2) naming what to run when the feature table has not been written yet. */
export async function assertFeatureTable(tables: Pick<LakeTables, 'features'>): Promise<void> {
  if (!(await tableExists(tables.features)))
    throw new FeatureTableError(tables.features, 'the feature table does not exist; run `cvc ingest` first');
}

/**
 * One StoreSeries per store, ordered by store id, each covering its rows in [from, to]: sales NaN on
 * missing days, booleans as 0/1, statics = format and state (plus city) and the configured category
 * statics, numericStatics = the configured number statics (each store's latest row: the current
 * store master).
 */
export async function readStoreSeries(
  conn: DuckDBConnection,
  tables: Pick<LakeTables, 'features'>,
  opts: ReadSeriesOptions = {},
): Promise<StoreSeries[]> {
  await assertFeatureTable(tables);
  const table = tables.features;
  const carried = await carriedColumns(table, opts.version);
  const past = carried.past.filter((c) => !(PAST_COVARIATES as readonly string[]).includes(c));
  const pastAll = [...PAST_COVARIATES, ...past];
  const futureAll = [...FUTURE_COVARIATES, ...carried.future];
  const filters: Filters = {};
  if (opts.from !== undefined || opts.to !== undefined) {
    filters['date'] = { ...(opts.from ? { gte: opts.from } : {}), ...(opts.to ? { lte: opts.to } : {}) };
  }
  if (opts.storeIds) filters['store_id'] = { in: [...opts.storeIds] };
  if (opts.storeIds && opts.storeIds.length === 0) return [];
  const view = `cvc_features_${process.pid}_${++viewSeq}`;
  await createView(conn, view, table, { filters, ...(opts.version === undefined ? {} : { version: opts.version }) });
  try {
    // Statics are read under positional aliases: a configured name never meets a fixed alias.
    const staticSelect = carried.statics
      .map((st, k) => `, arg_max(${q(st.column)}, date) AS ${q(`static_${k}`)}`)
      .join('');
    const summary = (
      await conn.runAndReadAll(`SELECT store_id, min(date)::VARCHAR AS start,
        (max(date) - min(date))::BIGINT + 1 AS span, count(*)::BIGINT AS n,
        any_value(format) AS format, any_value(state) AS state, any_value(city) AS city${staticSelect}
      FROM ${view} GROUP BY store_id ORDER BY store_id`)
    ).getRowObjectsJS();
    const series: StoreSeries[] = summary.map((r) => {
      const n = Number(r['n']);
      if (Number(r['span']) !== n) {
        throw new FeatureTableError(
          table,
          `store ${String(r['store_id'])} has gaps between ${String(r['start'])} and its last day; ingest writes ` +
            `every day, rerun \`cvc ingest --full\``,
        );
      }
      const statics: Record<string, string> = {};
      for (const s of [...STATIC_COVARIATES, 'city']) statics[s] = r[s] == null ? '' : String(r[s]);
      const numericStatics: Record<string, number> = {};
      carried.statics.forEach((st, k) => {
        const v = r[`static_${k}`];
        if (st.kind === 'category') statics[st.column] = v == null ? '' : String(v);
        else numericStatics[st.column] = v == null ? Number.NaN : Number(v);
      });
      return {
        storeId: String(r['store_id']),
        start: String(r['start']),
        sales: new Float64Array(n),
        past: Object.fromEntries(pastAll.map((c) => [c, new Float64Array(n)])),
        future: Object.fromEntries(futureAll.map((c) => [c, new Float64Array(n)])),
        statics,
        ...(carried.statics.some((st) => st.kind === 'number') ? { numericStatics } : {}),
      };
    });
    const cols = [TARGET_COLUMN, ...pastAll, ...futureAll];
    const result = await conn.stream(`SELECT ${cols.map((c) => `CAST(${q(c)} AS DOUBLE) AS ${q(c)}`).join(', ')}
      FROM ${view} ORDER BY store_id, date`);
    // Rows arrive store after store in the summary's order, so a running offset places each one.
    let s = 0;
    let i = 0;
    const targets = (x: StoreSeries): Float64Array[] => [
      x.sales,
      ...pastAll.map((c) => x.past[c]!),
      ...futureAll.map((c) => x.future[c]!),
    ];
    let current = series[0] ? targets(series[0]) : [];
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const vectors = cols.map((_, k) => chunk.getColumnVector(k));
      for (let row = 0; row < chunk.rowCount; row++) {
        while (series[s] && i >= series[s]!.sales.length) {
          s++;
          i = 0;
          current = series[s] ? targets(series[s]!) : [];
        }
        for (let k = 0; k < vectors.length; k++) {
          const v = vectors[k]!.getItem(row) as number | null;
          current[k]![i] = v === null ? Number.NaN : v;
        }
        i++;
      }
    }
    return series;
  } finally {
    await conn.run(`DROP VIEW IF EXISTS ${view}`);
  }
}

/** The last day in the feature table (ISO), or null when it is empty. */
export async function lastFeatureDay(
  conn: DuckDBConnection,
  tables: Pick<LakeTables, 'features'>,
): Promise<string | null> {
  if (!(await tableExists(tables.features))) return null;
  const snap = await loadSnapshot(tables.features);
  let max: string | null = null;
  for (const f of snap.files) {
    const v = f.stats?.maxValues?.['date'];
    const d = v == null ? null : String(v).slice(0, 10);
    if (d !== null && (max === null || d > max)) max = d;
  }
  if (max !== null || snap.files.length === 0) return max;
  const rows = (
    await conn.runAndReadAll(`SELECT max(date)::VARCHAR AS d FROM ${await scanSql(conn, tables.features)} t`)
  ).getRowObjectsJS();
  return rows[0]?.['d'] == null ? null : String(rows[0]['d']);
}
