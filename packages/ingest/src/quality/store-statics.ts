// The configured store statics (source.storeColumns.statics), read from the staged store master and
// checked before anything is written: a number static must be a finite number for every store (a
// model cannot learn from, nor infer encode, a store without it), so a null or non-numeric value fails
// the run naming the store and the column. A category is text; an empty or null one is its own level ''.
import type { StaticColumn } from '@cvc/core';
import type { DuckDBConnection } from '@duckdb/node-api';
import { SourceError } from '../errors.js';
import { quoteName } from '../names.js';
import { STORE_FIELDS } from '../sources/source.js';

/** DuckDB temp table with one row per valid store: store_id and each static under its own name. */
export const STORE_STATICS_TEMP = 'cvc_store_statics';

/** Per store id, its static values in config order (numbers as numbers, categories as text). */
export type StoreStatics = Map<string, (number | string)[]>;

/** A number static whose value is null or not a number in the store master (exit 2). */
export class StaticValueError extends SourceError {
  constructor(source: string, storeId: string, key: string, column: string, value: string | null) {
    super(
      source,
      `store ${storeId}: ${key} "${column}" is declared a number but its value is ` +
        `${value === null ? 'null' : JSON.stringify(value.slice(0, 40))}; fix the store master ` +
        'or declare it kind: category',
    );
  }
}

const q = (n: string) => quoteName(n, 'duckdb');

/**
 * Reads and checks the statics of `storeIds` (the stores the reference gate kept) from the staged
 * store master `raw`, and loads them into STORE_STATICS_TEMP for the feature build. A store listed
 * twice takes the row the reference gate took (the first in the same order).
 */
export async function loadStoreStatics(
  conn: DuckDBConnection,
  raw: string,
  storeIds: readonly string[],
  statics: readonly StaticColumn[],
  source: string,
): Promise<StoreStatics> {
  const out: StoreStatics = new Map();
  const cols = statics.map((st) => `CAST(${q(st.column)} AS VARCHAR) AS ${q(st.column)}`);
  const order = STORE_FIELDS.map((f) => `CAST(${q(f)} AS VARCHAR)`);
  const defs = statics.map((st) => `${q(st.column)} ${st.kind === 'number' ? 'DOUBLE' : 'VARCHAR'}`);
  const table = `${q(STORE_STATICS_TEMP)} (store_id VARCHAR${defs.map((d) => `, ${d}`).join('')})`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${table}`);
  if (statics.length === 0) return out;
  const rows = (
    await conn.runAndReadAll(
      `SELECT trim(CAST(store_id AS VARCHAR)) AS store_id, ${cols.join(', ')} FROM ${q(raw)}
      ORDER BY ${[...order, ...statics.map((st) => `CAST(${q(st.column)} AS VARCHAR)`)].join(', ')}`,
    )
  ).getRowObjectsJS();
  const wanted = new Set(storeIds);
  for (const r of rows) {
    const id = String(r['store_id']);
    if (!wanted.has(id) || out.has(id)) continue;
    out.set(
      id,
      statics.map((st, k) => {
        const v = r[st.column] == null ? null : String(r[st.column]).trim();
        if (st.kind === 'category') return v ?? '';
        const n = v === null || v === '' ? Number.NaN : Number(v);
        if (!Number.isFinite(n))
          throw new StaticValueError(source, id, `source.storeColumns.statics[${k}]`, st.column, v);
        return n;
      }),
    );
  }
  const app = await conn.createAppender(STORE_STATICS_TEMP);
  for (const [id, values] of out) {
    app.appendVarchar(id);
    values.forEach((v) => (typeof v === 'number' ? app.appendDouble(v) : app.appendVarchar(v)));
    app.endRow();
  }
  app.closeSync();
  return out;
}
