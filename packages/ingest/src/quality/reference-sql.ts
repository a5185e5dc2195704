// The large reference tables (promotions: ~35 a store a year, so half a million rows at 2,000 stores)
// are checked in SQL instead of one zod parse per row. SQL only sorts rows into "plainly valid" and
// "to be looked at": a row whose every field has the plain shape (no edge whitespace, a YYYY-MM-DD
// day, a decimal number, a two-letter UF) and that meets the row rules is typed in DuckDB; any other
// row goes through the zod check of reference-rows.ts, which keeps or quarantines it with the same
// message naming the field as before. So SQL never decides a row is bad, and a row zod would refuse
// cannot pass: the plain shapes are a subset of what zod accepts, with the same result.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteName } from '../names.js';
import type { ReferenceQuarantine } from './reference-rows.js';

/** What String.prototype.trim removes (ECMAScript WhiteSpace and LineTerminator), as an RE2 class. */
const JS_SPACE =
  '[\\s\\x{0B}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]';

/**
 * text: non-empty, kept as is; optionalText: '' or null = null; uf: two ASCII letters, upper-cased;
 * day: the first 10 characters are a calendar day (as reference-rows reads `*_date` fields); pct: a
 * plain decimal number.
 */
export type FieldKind = 'text' | 'optionalText' | 'uf' | 'day' | 'pct';

export interface SqlField {
  name: string;
  kind: FieldKind;
}

export interface SqlCheckSpec {
  /** Typed columns of the checked table, in order. */
  fields: readonly SqlField[];
  /** Row rules over the typed columns (SQL, all must hold), e.g. `end_date >= start_date`. */
  rules: readonly string[];
  /**
   * The zod check of one raw row (text fields, days cut to 10 characters): the typed values in
   * field order, or the quarantined row.
   */
  checkRow: (
    row: Record<string, string | null>,
  ) => { values: (string | number | null)[] } | { bad: ReferenceQuarantine };
}

const q = (n: string) => quoteName(n, 'duckdb');
const SQL_TYPE: Record<FieldKind, string> = {
  text: 'VARCHAR',
  optionalText: 'VARCHAR',
  uf: 'VARCHAR',
  day: 'DATE',
  pct: 'DOUBLE',
};

function plain(f: SqlField): string {
  const v = q(f.name);
  const noEdgeSpace = `NOT regexp_matches(${v}, '^${JS_SPACE}|${JS_SPACE}$')`;
  switch (f.kind) {
    case 'text':
      return `(${v} IS NOT NULL AND ${v} <> '' AND ${noEdgeSpace})`;
    case 'optionalText':
      return `(${v} IS NULL OR ${noEdgeSpace})`;
    case 'uf':
      return `coalesce(regexp_matches(${v}, '^[A-Za-z]{2}$'), false)`;
    case 'day':
      return `coalesce(regexp_matches(left(${v}, 10), '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
        AND TRY_CAST(left(${v}, 10) AS DATE) IS NOT NULL, false)`;
    case 'pct':
      return `coalesce(regexp_matches(${v}, '^-?[0-9]+([.][0-9]+)?$'), false)`;
  }
}

function typed(f: SqlField): string {
  const v = q(f.name);
  switch (f.kind) {
    case 'text':
      return v;
    case 'optionalText':
      return `nullif(${v}, '')`;
    case 'uf':
      return `upper(${v})`;
    case 'day':
      return `TRY_CAST(left(${v}, 10) AS DATE)`;
    case 'pct':
      return `TRY_CAST(${v} AS DOUBLE)`;
  }
}

/**
 * Checks the staged rows of `raw` (any column types) into the temp table `into` (rn, typed fields;
 * rn only numbers the rows, in no particular order: nothing downstream depends on the order of
 * promotions or holidays). Returns the quarantined rows in the order reference-rows always read
 * them (every field as text, ORDER BY ALL), without sorting the plainly valid ones.
 */
export async function checkInSql(
  conn: DuckDBConnection,
  raw: string,
  into: string,
  spec: SqlCheckSpec,
): Promise<ReferenceQuarantine[]> {
  const names = spec.fields.map((f) => q(f.name));
  const text = q(`${into}_text`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${text} AS
    SELECT row_number() OVER () AS rn, *
    FROM (SELECT ${names.map((n) => `CAST(${n} AS VARCHAR) AS ${n}`).join(', ')} FROM ${q(raw)})`);
  const rules = spec.rules.length > 0 ? ` AND coalesce(${spec.rules.map((r) => `(${r})`).join(' AND ')}, false)` : '';
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(into)} AS
    SELECT rn, ${names.join(', ')} FROM (
      SELECT rn, ${spec.fields.map(plain).join(' AND ')} AS cvc_plain,
        ${spec.fields.map((f) => `${typed(f)} AS ${q(f.name)}`).join(', ')}
      FROM ${text})
    WHERE cvc_plain${rules}`);
  const others = (
    await conn.runAndReadAll(
      `SELECT t.* FROM ${text} t WHERE NOT EXISTS (SELECT 1 FROM ${q(into)} c WHERE c.rn = t.rn)
       ORDER BY ${names.map((n) => `t.${n}`).join(', ')}`,
    )
  ).getRowObjectsJS();
  await conn.run(`DROP TABLE ${text}`);
  const bad: ReferenceQuarantine[] = [];
  const casts = spec.fields.map((f, i) => `CAST($${i + 2} AS ${SQL_TYPE[f.kind]})`).join(', ');
  for (const r of others) {
    const row = Object.fromEntries(
      spec.fields.map((f) => {
        const v = r[f.name];
        return [f.name, v == null ? null : String(v).slice(0, f.kind === 'day' ? 10 : undefined)];
      }),
    );
    const checked = spec.checkRow(row);
    if ('bad' in checked) bad.push(checked.bad);
    else await conn.run(`INSERT INTO ${q(into)} VALUES ($1, ${casts})`, [Number(r['rn']), ...checked.values]);
  }
  return bad;
}

/** Types of the checked table's columns, for an empty one when the source has no such table. */
export async function createEmptyChecked(conn: DuckDBConnection, into: string, spec: SqlCheckSpec): Promise<void> {
  const cols = spec.fields.map((f) => `${q(f.name)} ${SQL_TYPE[f.kind]}`).join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(into)} (rn BIGINT, ${cols})`);
}

/**
 * A hash of the rows of `fromSql` (expressions `values`) as a set: what decides whether a table
 * changed, computed where the rows are instead of as JSON of half a million JS objects, and without
 * sorting them (the order rows arrive in is no change). Row count, the sum of DuckDB's 64-bit row
 * hashes and the XOR of each row's md5: a changed, added or removed row moves all three.
 */
export async function sqlContentHash(
  conn: DuckDBConnection,
  fromSql: string,
  values: readonly string[],
  where = 'TRUE',
): Promise<string> {
  const text = values.map((v) => `coalesce(CAST(${v} AS VARCHAR), chr(0))`).join(', ');
  const r = (
    await conn.runAndReadAll(
      `SELECT count(*)::VARCHAR || ':' || coalesce(sum(hash(${values.join(', ')})::HUGEINT), 0)::VARCHAR || ':' ||
        coalesce(bit_xor(md5_number(concat_ws(chr(31), ${text}))), 0)::VARCHAR AS v
       FROM ${fromSql} WHERE ${where}`,
    )
  ).getRowObjectsJS();
  return String(r[0]?.['v']);
}
