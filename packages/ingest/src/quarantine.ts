// The quarantine table: every row the quality gate refused, with the reason and the original row as
// JSON. Keyed by a hash of (source table, reason, original row), so re-reading the same bad row in a
// later run adds nothing: the table says what is wrong, once.
import type { CommitMetadata } from '@cvc/lakehouse';
import { createTable, merge } from '@cvc/lakehouse';
import { QUARANTINE_COLUMNS } from '@cvc/feature-table';
import { DuckDBDateValue, type DuckDBConnection } from '@duckdb/node-api';
import { parseIsoDay } from '@cvc/core';
import type { ReferenceQuarantine } from './quality/reference-rows.js';

export const QUARANTINE_TEMP = 'cvc_quarantine_new';

export async function createQuarantineTemp(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${QUARANTINE_TEMP} (
    source_table VARCHAR, reason VARCHAR, store_id VARCHAR, date DATE, updated_at TIMESTAMPTZ, original VARCHAR)`);
}

export async function addReferenceQuarantine(
  conn: DuckDBConnection,
  rows: readonly ReferenceQuarantine[],
): Promise<void> {
  if (rows.length === 0) return;
  const app = await conn.createAppender(QUARANTINE_TEMP);
  for (const r of rows) {
    app.appendVarchar(r.sourceTable);
    app.appendVarchar(r.reason);
    if (r.storeId === null) app.appendNull();
    else app.appendVarchar(r.storeId);
    let day: number | null = null;
    try {
      day = r.date === null ? null : parseIsoDay(r.date);
    } catch {
      day = null;
    }
    if (day === null) app.appendNull();
    else app.appendDate(new DuckDBDateValue(day));
    app.appendNull();
    app.appendVarchar(r.original);
    app.endRow();
  }
  app.closeSync();
}

export async function quarantineCounts(conn: DuckDBConnection): Promise<Record<string, number>> {
  const rows = (
    await conn.runAndReadAll(
      `SELECT reason, count(*)::BIGINT AS n FROM ${QUARANTINE_TEMP} GROUP BY reason ORDER BY reason`,
    )
  ).getRowObjectsJS();
  return Object.fromEntries(rows.map((r) => [String(r['reason']), Number(r['n'])]));
}

/** Merges this run's quarantined rows; returns the Delta version and how many were new, or null if none. */
export async function writeQuarantine(
  conn: DuckDBConnection,
  table: string,
  runId: string,
  metadata: CommitMetadata,
): Promise<{ version: number; inserted: number } | null> {
  const n = (await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${QUARANTINE_TEMP}`)).getRowObjectsJS();
  if (Number(n[0]?.['n'] ?? 0) === 0) return null;
  await createTable(conn, table, {
    columns: QUARANTINE_COLUMNS,
    ifNotExists: true,
    description: 'rows refused by the ingest quality gate',
  });
  const runLit = `'${runId.replaceAll("'", "''")}'`;
  // The same bad row can be re-sent within one read; it is recorded once.
  const r = await merge(
    conn,
    table,
    `SELECT md5(source_table || '|' || reason || '|' || original) AS row_key, source_table, reason, store_id, date,
      updated_at, original, ${runLit} AS run_id, now() AS quarantined_at
    FROM ${QUARANTINE_TEMP}
    QUALIFY row_number() OVER (PARTITION BY md5(source_table || '|' || reason || '|' || original) ORDER BY date) = 1`,
    { on: ['row_key'], whenMatched: 'ignore', whenNotMatched: 'insert', metadata },
  );
  return { version: r.version, inserted: r.metrics['numTargetRowsInserted'] ?? 0 };
}
