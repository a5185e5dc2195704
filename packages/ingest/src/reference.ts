// The reference tables: staged from the source, checked row by row, loaded into DuckDB for the
// sales gate and the feature build, and kept as Delta tables under the lake root (infer rebuilds
// the forecast window from them). A Delta table is rewritten only when its content changed.
import { createHash, randomUUID } from 'node:crypto';
import type { HolidayRow, LakeTables, PromotionRow } from '@cvc/feature-table';

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
import { HOLIDAYS_COLUMNS, PROMOTIONS_COLUMNS, SCHEDULE_COLUMNS, STORES_COLUMNS } from '@cvc/feature-table';
import {
  createTable,
  createView,
  loadSnapshot,
  overwrite,
  setProperties,
  tableExists,
  type ColumnDef,
  type CommitMetadata,
} from '@cvc/lakehouse';
import { DuckDBDateValue, type DuckDBConnection } from '@duckdb/node-api';
import { formatIsoDay, parseIsoDay } from '@cvc/core';
import { quoteName } from './names.js';
import { checkInSql, createEmptyChecked, sqlContentHash, type SqlCheckSpec } from './quality/reference-sql.js';
import {
  checkHolidays,
  checkPromotions,
  checkStores,
  type ReferenceQuarantine,
  type StoreRow,
} from './quality/reference-rows.js';
import { checkSchedule, type ScheduleRow } from './quality/schedule-rows.js';
import type { Source } from './sources/source.js';
import { STORE_FIELDS, SCHEDULE_FIELDS } from './sources/source.js';

export interface ReferenceData {
  stores: StoreRow[];
  /** The valid promotions stay in DuckDB (PROMOTIONS_TEMP); a run reads only those its windows need. */
  promotions: number;
  /** Content hash of the valid promotions (what the `promotions` Delta table is compared with). */
  promotionsContent: string;
  /**
   * Fingerprint of the raw promotions as the source gave them, kept on the `promotions` table when
   * their check quarantined nothing; null when it did (every run checks them again and quarantines).
   */
  promotionsFingerprint: string | null;
  /** True when the source's promotions were the ones last checked, so the table's rows were reused. */
  promotionsReused: boolean;
  holidays: HolidayRow[];
  /** The planned opening schedule; null when the source has none configured. */
  schedule: ScheduleRow[] | null;
  bad: ReferenceQuarantine[];
  /** Per store (same order as `stores`): index of its place (state, city), which fixes its calendar. */
  placeIdx: number[];
}

/** DuckDB temp table with the valid stores (the sales gate and the feature build join it). */
export const STORES_TEMP = 'cvc_stores';
/** DuckDB temp tables with the valid promotions and holidays (rn = their order as read, then typed columns). */
export const PROMOTIONS_TEMP = 'cvc_promotions';
export const HOLIDAYS_TEMP = 'cvc_holidays';

export const PROMOTIONS_CHECK: SqlCheckSpec = {
  fields: [
    { name: 'promo_id', kind: 'text' },
    { name: 'store_id', kind: 'optionalText' },
    { name: 'start_date', kind: 'day' },
    { name: 'end_date', kind: 'day' },
    { name: 'discount_pct', kind: 'pct' },
  ],
  rules: ['end_date >= start_date', 'discount_pct >= 0', 'discount_pct <= 100'],
  checkRow: (row) => {
    const r = checkPromotions([row]);
    const p = r.promotions[0];
    return p ? { values: [p.promoId, p.storeId, p.startDate, p.endDate, p.discountPct] } : { bad: r.bad[0]! };
  },
};

export const HOLIDAYS_CHECK: SqlCheckSpec = {
  fields: [
    { name: 'state', kind: 'uf' },
    { name: 'city', kind: 'optionalText' },
    { name: 'holiday_date', kind: 'day' },
    { name: 'name', kind: 'text' },
  ],
  rules: [],
  checkRow: (row) => {
    const r = checkHolidays([row]);
    const h = r.holidays[0];
    return h ? { values: [h.state, h.city, h.date, h.name] } : { bad: r.bad[0]! };
  },
};

async function varcharRows(
  conn: DuckDBConnection,
  table: string,
  fields: readonly string[],
): Promise<Record<string, string | null>[]> {
  const cols = fields.map((f) => `CAST(${quoteName(f, 'duckdb')} AS VARCHAR) AS ${quoteName(f, 'duckdb')}`).join(', ');
  // In a fixed order: the content hashes that decide whether a table is rewritten (and whether the
  // feature table is rebuilt) must not change when a parallel scan returns rows in another order.
  const rows = (
    await conn.runAndReadAll(`SELECT ${cols} FROM ${quoteName(table, 'duckdb')} ORDER BY ALL`)
  ).getRowObjectsJS();
  return rows.map((r) =>
    Object.fromEntries(
      fields.map((f) => [
        f,
        r[f] == null ? null : String(r[f]).slice(0, f.endsWith('_on') || f.endsWith('_date') ? 10 : undefined),
      ]),
    ),
  );
}

/** Table property of `promotions`: the raw fingerprint (`rawFingerprint`) its rows were checked from. */
export const SOURCE_FINGERPRINT_PROPERTY = 'cvc.sourceFingerprint';
/** Part of the fingerprint: bump it when PROMOTIONS_CHECK changes what it keeps, so rows are checked again. */
const PROMOTIONS_CHECK_VERSION = 1;

/**
 * A cheap fingerprint of the staged raw rows as a set (count, sum and XOR of two 64-bit row hashes):
 * no casts, no regular expressions, no md5. Equal fingerprints mean the source sent the same rows.
 */
export async function rawFingerprint(conn: DuckDBConnection, raw: string, fields: readonly string[]): Promise<string> {
  const cols = fields.map((f) => quoteName(f, 'duckdb')).join(', ');
  const r = (
    await conn.runAndReadAll(
      `SELECT count(*)::VARCHAR || ':' || coalesce(sum(hash(${cols})::HUGEINT), 0)::VARCHAR || ':' ||
        coalesce(bit_xor(hash(${cols}, 'cvc')), 0)::VARCHAR AS v FROM ${quoteName(raw, 'duckdb')}`,
    )
  ).getRowObjectsJS();
  return `v${PROMOTIONS_CHECK_VERSION}:${String(r[0]?.['v'])}`;
}

/**
 * The checked promotions of the last run, when the source sent exactly the rows they were checked
 * from and that check quarantined none: PROMOTIONS_TEMP becomes a view of the `promotions` table,
 * and its content hash is the one stored with it. A daily run so neither checks nor hashes half a
 * million unchanged rows. Null: check them (no table, another fingerprint, or bad rows last time).
 */
async function reuseCheckedPromotions(
  conn: DuckDBConnection,
  table: string | undefined,
  fingerprint: string,
): Promise<string | null> {
  if (table === undefined || !(await tableExists(table))) return null;
  // The view and the properties come from one snapshot, so a concurrent rewrite cannot split them.
  const snap = await createView(conn, PROMOTIONS_TEMP, table);
  const hash = snap.properties[HASH_PROPERTY];
  if (snap.properties[SOURCE_FINGERPRINT_PROPERTY] === fingerprint && hash) return hash;
  await conn.run(`DROP VIEW ${quoteName(PROMOTIONS_TEMP, 'duckdb')}`);
  return null;
}

/**
 * `scheduleName`: the config key and file glob or table of the schedule, for its errors.
 * `promotionsTable`: the lake's `promotions` table, whose rows are reused when the source's are unchanged.
 */
export async function loadReference(
  conn: DuckDBConnection,
  source: Source,
  scheduleName = 'store schedule',
  promotionsTable?: string,
): Promise<ReferenceData> {
  await source.stageStores(conn, 'cvc_raw_stores');
  const st = checkStores(await varcharRows(conn, 'cvc_raw_stores', STORE_FIELDS));
  const promoStaged = await source.stagePromotions(conn, 'cvc_raw_promotions');
  const fingerprint = promoStaged
    ? await rawFingerprint(
        conn,
        'cvc_raw_promotions',
        PROMOTIONS_CHECK.fields.map((f) => f.name),
      )
    : null;
  const reused = fingerprint === null ? null : await reuseCheckedPromotions(conn, promotionsTable, fingerprint);
  const promoBad =
    reused !== null
      ? []
      : promoStaged
        ? await checkInSql(conn, 'cvc_raw_promotions', PROMOTIONS_TEMP, PROMOTIONS_CHECK)
        : (await createEmptyChecked(conn, PROMOTIONS_TEMP, PROMOTIONS_CHECK), []);
  const promotionsContent =
    reused ??
    `sql:${await sqlContentHash(
      conn,
      PROMOTIONS_TEMP,
      PROMOTIONS_COLUMNS.map((c) => quoteName(c.name, 'duckdb')),
    )}`;
  const holStaged = await source.stageHolidays(conn, 'cvc_raw_holidays');
  const holBad = holStaged
    ? await checkInSql(conn, 'cvc_raw_holidays', HOLIDAYS_TEMP, HOLIDAYS_CHECK)
    : (await createEmptyChecked(conn, HOLIDAYS_TEMP, HOLIDAYS_CHECK), []);
  for (const t of ['cvc_raw_promotions', 'cvc_raw_holidays']) await conn.run(`DROP TABLE IF EXISTS ${t}`);
  const holidays: HolidayRow[] = (
    await conn.runAndReadAll(
      `SELECT state, city, holiday_date::VARCHAR AS d, name FROM ${HOLIDAYS_TEMP}
       ORDER BY state, city, holiday_date, name`,
    )
  )
    .getRowObjectsJS()
    .map((r) => ({ state: String(r['state']), city: str(r['city']), date: String(r['d']), name: String(r['name']) }));
  const promotions = Number(
    (await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${PROMOTIONS_TEMP}`)).getRowObjectsJS()[0]?.['n'],
  );
  const schedStaged = await source.stageSchedule(conn, 'cvc_raw_schedule');
  const known = new Set(st.stores.map((s) => s.storeId));
  const schedule = schedStaged
    ? checkSchedule(await varcharRows(conn, 'cvc_raw_schedule', SCHEDULE_FIELDS), known, scheduleName)
    : null;

  const places = new Map<string, number>();
  const placeIdx = st.stores.map((s) => {
    const key = `${s.state}|${s.city ?? ''}`;
    if (!places.has(key)) places.set(key, places.size);
    return places.get(key)!;
  });
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${STORES_TEMP} (store_idx INTEGER, place_idx INTEGER, store_id VARCHAR,
    store_name VARCHAR, state VARCHAR, city VARCHAR, format VARCHAR, opened_on DATE, closed_on DATE)`);
  const app = await conn.createAppender(STORES_TEMP);
  st.stores.forEach((s, i) => {
    app.appendInteger(i);
    app.appendInteger(placeIdx[i]!);
    app.appendVarchar(s.storeId);
    if (s.storeName === null) app.appendNull();
    else app.appendVarchar(s.storeName);
    app.appendVarchar(s.state);
    if (s.city == null) app.appendNull();
    else app.appendVarchar(s.city);
    app.appendVarchar(s.format);
    app.appendDate(new DuckDBDateValue(parseIsoDay(s.openedOn)));
    if (s.closedOn == null) app.appendNull();
    else app.appendDate(new DuckDBDateValue(parseIsoDay(s.closedOn)));
    app.endRow();
  });
  app.closeSync();
  const bad = [...st.bad, ...promoBad, ...holBad];
  return {
    stores: st.stores,
    promotions,
    promotionsContent,
    promotionsFingerprint: promoBad.length === 0 ? fingerprint : null,
    promotionsReused: reused !== null,
    holidays,
    schedule,
    bad,
    placeIdx,
  };
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}

const HASH_PROPERTY = 'cvc.contentHash';

/**
 * Stages the rows in a temp table (text and numbers through an appender, cast to the column types by
 * the SELECT returned). A VALUES literal would be parsed as SQL text: minutes at a million promotions.
 */
type Cell = string | number | null | undefined;

async function rowsSelect(
  conn: DuckDBConnection,
  columns: readonly ColumnDef[],
  rows: readonly Cell[][],
): Promise<string> {
  const temp = `cvc_ref_${randomUUID().replaceAll('-', '')}`;
  const isNumber = columns.map((c) => c.type === 'DOUBLE');
  const defs = columns.map((c, k) => `${quoteName(c.name, 'duckdb')} ${isNumber[k] ? 'DOUBLE' : 'VARCHAR'}`);
  await conn.run(`CREATE TEMP TABLE ${temp} (${defs.join(', ')})`);
  const app = await conn.createAppender(temp);
  for (const row of rows) {
    row.forEach((v, k) => {
      if (v === null || v === undefined) app.appendNull();
      else if (isNumber[k]) app.appendDouble(Number(v));
      else app.appendVarchar(String(v));
    });
    app.endRow();
  }
  app.closeSync();
  const casts = columns.map(
    (c) => `CAST(${quoteName(c.name, 'duckdb')} AS ${c.type}) AS ${quoteName(c.name, 'duckdb')}`,
  );
  return `SELECT ${casts.join(', ')} FROM ${temp}`;
}

/** Rows in JS (small tables) or a checked DuckDB temp table (rn, then the table's columns). */
type TableRows = Cell[][] | { temp: string };

/**
 * Rewrites one reference Delta table if its content hash changed; returns the new version or null.
 * `known`: the content hash when the caller already has it, and properties kept with the rows (set
 * alone, in a commit of their own, when only they changed).
 */
async function syncTable(
  conn: DuckDBConnection,
  table: string,
  columns: ColumnDef[],
  rows: TableRows,
  metadata: CommitMetadata,
  known: { hash?: string; properties?: Record<string, string> } = {},
): Promise<number | null> {
  const names = columns.map((c) => quoteName(c.name, 'duckdb'));
  const hash =
    known.hash ??
    (Array.isArray(rows)
      ? contentHash(rows)
      : `sql:${await sqlContentHash(conn, quoteName(rows.temp, 'duckdb'), names)}`);
  const kept = known.properties ?? {};
  if (await tableExists(table)) {
    const snap = await loadSnapshot(table);
    if (snap.properties[HASH_PROPERTY] === hash) {
      const stale = Object.entries(kept).some(([k, v]) => (snap.properties[k] ?? '') !== v);
      return stale ? (await setProperties(table, kept, { metadata })).version : null;
    }
  } else {
    await createTable(conn, table, { columns, ifNotExists: true, metadata });
  }
  const select = Array.isArray(rows)
    ? await rowsSelect(conn, columns, rows)
    : `SELECT ${names.join(', ')} FROM ${quoteName(rows.temp, 'duckdb')}`;
  try {
    return (await overwrite(conn, table, select, { metadata, properties: { ...kept, [HASH_PROPERTY]: hash } })).version;
  } finally {
    if (Array.isArray(rows)) await conn.run(`DROP TABLE IF EXISTS ${select.slice(select.lastIndexOf(' ') + 1)}`);
  }
}

/**
 * The part of the feature table's reference hash that promotions make: those started by `lastDay`,
 * their ends cut at it (a campaign's later days cannot have shaped the table's rows yet).
 */
export async function promotionsHash(conn: DuckDBConnection, lastDay: string): Promise<string> {
  const day = dayLiteral(lastDay);
  return sqlContentHash(conn, PROMOTIONS_TEMP, promotionValuesAt(day), `start_date <= ${day}`);
}

const dayLiteral = (iso: string) => `DATE '${formatIsoDay(parseIsoDay(iso))}'`;
const promotionValuesAt = (day: string) => ['store_id', 'start_date', `least(end_date, ${day})`, 'discount_pct'];

/** promotionsHash of the same promotions at an earlier day, as the feature table keeps it. */
export interface KnownPromotionsHash {
  day: string;
  hash: string;
}

/**
 * promotionsHash at `lastDay`, moved on from one known at an earlier day of the same promotions
 * instead of hashing them all again. The hash is a set sum (count, sum, XOR), and between the two days
 * only promotions that end after the earlier one change their value (their end is cut at the later
 * day) or join (they start between the days): their old terms are taken out and their new ones put in.
 */
export async function promotionsHashFrom(
  conn: DuckDBConnection,
  lastDay: string,
  known: KnownPromotionsHash | undefined,
): Promise<string> {
  if (known === undefined || known.day > lastDay) return promotionsHash(conn, lastDay);
  if (known.day === lastDay) return known.hash;
  const before = dayLiteral(known.day);
  const after = dayLiteral(lastDay);
  const moved = `coalesce(end_date > ${before}, true)`;
  const parts = (h: string) => h.split(':').map(BigInt) as [bigint, bigint, bigint];
  // A kept value that is not count:sum:xor (hand-edited property) is only a missed shortcut.
  if (!/^[0-9]+:[0-9]+:[0-9]+$/.test(known.hash)) return promotionsHash(conn, lastDay);
  const [n0, s0, x0] = parts(known.hash);
  const [n1, s1, x1] = parts(
    await sqlContentHash(conn, PROMOTIONS_TEMP, promotionValuesAt(before), `start_date <= ${before} AND ${moved}`),
  );
  const [n2, s2, x2] = parts(
    await sqlContentHash(conn, PROMOTIONS_TEMP, promotionValuesAt(after), `start_date <= ${after} AND ${moved}`),
  );
  return `${n0 - n1 + n2}:${s0 - s1 + s2}:${x0 ^ x1 ^ x2}`;
}

/** The valid promotions that overlap days [fromDay, toDay] (day numbers): all a run's windows need. */
export async function promotionsBetween(
  conn: DuckDBConnection,
  fromDay: number,
  toDay: number,
): Promise<PromotionRow[]> {
  const cols = (
    await conn.runAndReadAll(
      `SELECT store_id, start_date::VARCHAR, end_date::VARCHAR, discount_pct FROM ${PROMOTIONS_TEMP}
       WHERE end_date >= DATE '${formatIsoDay(fromDay)}' AND start_date <= DATE '${formatIsoDay(toDay)}'`,
    )
  ).getColumnsJS();
  const [ids, starts, ends, pcts] = cols as [unknown[], unknown[], unknown[], unknown[]];
  const out: PromotionRow[] = new Array<PromotionRow>(ids?.length ?? 0);
  for (let i = 0; i < out.length; i++) {
    out[i] = {
      storeId: str(ids[i]),
      startDate: String(starts[i]),
      endDate: String(ends[i]),
      discountPct: Number(pcts[i]),
    };
  }
  return out;
}

export interface ReferenceVersions {
  stores: number | null;
  promotions: number | null;
  holidays: number | null;
  storeSchedule?: number | null;
}

const scheduleCells = (r: ScheduleRow): Cell[] => [
  r.storeId,
  r.weekday ?? null,
  r.date ?? null,
  r.open ? 'true' : 'false',
];

export async function writeReferenceTables(
  conn: DuckDBConnection,
  tables: LakeTables,
  ref: ReferenceData,
  metadata: CommitMetadata,
): Promise<ReferenceVersions> {
  return {
    stores: await syncTable(
      conn,
      tables.stores,
      STORES_COLUMNS,
      ref.stores.map((s) => [
        s.storeId,
        s.storeName,
        s.state,
        s.city ?? null,
        s.format,
        s.openedOn,
        s.closedOn ?? null,
      ]),
      metadata,
    ),
    promotions: await syncTable(conn, tables.promotions, PROMOTIONS_COLUMNS, { temp: PROMOTIONS_TEMP }, metadata, {
      hash: ref.promotionsContent,
      // Empty when this run quarantined promotions: the next run checks them again (and quarantines them).
      properties: { [SOURCE_FINGERPRINT_PROPERTY]: ref.promotionsFingerprint ?? '' },
    }),
    holidays: await syncTable(conn, tables.holidays, HOLIDAYS_COLUMNS, { temp: HOLIDAYS_TEMP }, metadata),
    // Emptied, not left behind, when the source no longer has a schedule: infer would still read it.
    ...(ref.schedule !== null || (await tableExists(tables.storeSchedule))
      ? {
          storeSchedule: await syncTable(
            conn,
            tables.storeSchedule,
            SCHEDULE_COLUMNS,
            (ref.schedule ?? []).map(scheduleCells),
            metadata,
          ),
        }
      : {}),
  };
}
