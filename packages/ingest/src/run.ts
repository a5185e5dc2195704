// `cvc ingest` as a plain async function: source -> quality gate -> dedup -> feature table, with the
// watermark and lineage committed together with the feature rows. Every table write is one atomic
// Delta commit, and the feature table is written last, so a crash at any point leaves the previous
// state plus, at most, reference or quarantine rows that the next run writes again idempotently.
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_HOLIDAY_DISTANCE_CAP,
  formatIsoDay,
  parseIsoDay,
  silentLogger,
  type LoadedConfig,
  type Logger,
} from '@cvc/core';
import {
  buildKnownFutureInputs,
  FEATURE_CLUSTER_BY,
  featureTableColumns,
  lakeTables,
  reservedFeatureColumns,
} from '@cvc/feature-table';
import {
  createTable,
  createView,
  loadSnapshot,
  merge,
  optimize,
  overwrite,
  rowsForSize,
  setProperties,
  tableExists,
  type CommitMetadata,
} from '@cvc/lakehouse';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { EmptySourceError, IngestOptionError, QuarantineError } from './errors.js';
import { closedDays, collectObservations, findChanges } from './features/observations.js';
import { stageKnownFuture, type StoreWindow } from './features/known-future-stage.js';
import { featureKeyValues, featureRowsSelect } from './features/rows.js';
import { missingColumnError, takeFutureRows, writeFutureCovariates } from './features/future-rows.js';
import { runSalesGate } from './quality/sales-gate.js';
import { loadStoreStatics, type StoreStatics } from './quality/store-statics.js';
import {
  addReferenceQuarantine,
  createQuarantineTemp,
  QUARANTINE_TEMP,
  quarantineCounts,
  writeQuarantine,
} from './quarantine.js';
import {
  contentHash,
  loadReference,
  promotionsBetween,
  promotionsHashFrom,
  STORES_TEMP,
  writeReferenceTables,
  type ReferenceData,
} from './reference.js';
import { duckLiteral } from './names.js';
import { createSpillDir, sweepSpillDirs, type SpillDir } from './spill-dir.js';
import { collectGarbage, DEFAULT_MEMORY_LIMIT } from './memory.js';
import { openSource } from './sources/open.js';
import type { MssqlSourceOptions } from './sources/mssql/index.js';
import { STORE_FIELDS, type SalesRange, type Source } from './sources/source.js';
import { PROP, readIngestState, type IngestState } from './state.js';
import type { IngestProgress, IngestSummary } from './summary.js';

export interface RunIngestOptions {
  loaded: Pick<LoadedConfig, 'config' | 'paths' | 'file'>;
  /** Reload everything and rebuild the feature table. */
  full?: boolean;
  /** Only sale dates from this day (ISO, inclusive); ignores the watermark. */
  from?: string;
  /** Only sale dates up to this day (ISO, inclusive). */
  to?: string;
  /** Fail the run (and leave the feature table alone) if any row is quarantined. Default: config ingest.strict. */
  strict?: boolean;
  /** The run's "today" (ISO): later sale dates are future dates. Default: today in UTC. */
  today?: string;
  log?: Logger;
  onProgress?: (p: IngestProgress) => void;
  /** Test seam for the Azure SQL source (fake connections, instant retries). */
  mssql?: MssqlSourceOptions;
  /** Ingest's own DuckDB memory limit (DuckDB spills to disk beyond it). */
  memoryLimit?: string;
  /** Run id for the commits and the summary (`cvc daily` shares one across its steps); default a new UUID. */
  runId?: string;
}

function checkDay(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    parseIsoDay(value);
  } catch {
    throw new IngestOptionError(flag, `expected a date YYYY-MM-DD, got "${value}"`);
  }
  return value;
}

async function openDuckDb(memoryLimit: string): Promise<{ conn: DuckDBConnection; close: () => void }> {
  // No spill directory yet: it is set once the source has answered, so a run that fails on its
  // source creates nothing on disk.
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '2',
    memory_limit: memoryLimit,
    temp_directory: '',
    preserve_insertion_order: 'false',
  });
  const conn = await instance.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** What the known-future covariates of days up to `lastDay` depend on; a change means every store is recomputed. */
function referenceHash(
  ref: ReferenceData,
  lastDay: string,
  promotionsHash: string,
  pandemic: unknown,
  extra: readonly string[],
  statics: StoreStatics,
): string {
  const horizon = formatIsoDay(parseIsoDay(lastDay) + DEFAULT_HOLIDAY_DISTANCE_CAP);
  // Every row carries its store's statics, so a changed value rewrites the table (no statics: hash as before).
  const staticsOf = (id: string) => (statics.size > 0 ? [statics.get(id) ?? null] : []);
  return contentHash({
    stores: ref.stores.map((s) => [
      s.storeId,
      s.state,
      s.city ?? null,
      s.format,
      s.openedOn,
      s.closedOn ?? null,
      ...staticsOf(s.storeId),
    ]),
    // Campaigns and holidays beyond the table's last day cannot have shaped its rows yet. The
    // promotions are hashed where they are, in DuckDB (promotionsHashFrom).
    promotions: promotionsHash,
    holidays: ref.holidays.filter((h) => h.date <= horizon).map((h) => [h.state, h.city, h.date]),
    pandemic,
    extra,
  });
}

/**
 * Stages the known-future covariates of `windows` (stageKnownFuture) and returns their row count. A
 * function of its own so that the promotions and inputs it reads into JS (all 490 k promotions of a
 * 2,000-store rebuild) can be collected before the feature commit, the run's peak of memory.
 */
async function knownFutureRows(
  conn: DuckDBConnection,
  ref: ReferenceData,
  windows: readonly StoreWindow[],
  pandemic: Parameters<typeof buildKnownFutureInputs>[3],
): Promise<number> {
  const closed = await closedDays(conn, 'cvc_obs');
  // Only the promotions that overlap the windows: a daily run's few days need a few thousand.
  const promotions = await promotionsBetween(
    conn,
    Math.min(...windows.map((w) => w.fromDay)),
    Math.max(...windows.map((w) => w.toDay)),
  );
  const inputs = buildKnownFutureInputs(ref.stores, promotions, ref.holidays, pandemic);
  return stageKnownFuture(conn, 'cvc_kf', windows, inputs, closed);
}

function salesRange(
  opts: RunIngestOptions,
  state: IngestState,
  source: Source,
  lookbackDays: number,
): { range: SalesRange; mode: IngestSummary['mode'] } {
  if (opts.from !== undefined || opts.to !== undefined) {
    return {
      range: { ...(opts.from ? { fromDate: opts.from } : {}), ...(opts.to ? { toDate: opts.to } : {}) },
      mode: 'range',
    };
  }
  if (opts.full || !state.exists || state.watermark === null) return { range: {}, mode: 'full' };
  if (source.hasUpdatedAt && state.watermarkKind === 'updated_at')
    return { range: { updatedAfter: state.watermark }, mode: 'incremental' };
  // Without updated_at, late corrections are caught by re-reading the last `lookbackDays` days.
  const since = state.watermarkKind === 'date' ? state.watermark : (state.lastDay ?? state.watermark);
  return { range: { fromDate: formatIsoDay(parseIsoDay(since.slice(0, 10)) - lookbackDays) }, mode: 'incremental' };
}

/** Which rows a read that returned none was asking for, for its warning. */
function emptyReadText(range: SalesRange, mode: IngestSummary['mode']): string {
  if (range.updatedAfter !== undefined) return `updated after ${range.updatedAfter}`;
  if (range.fromDate !== undefined && range.toDate !== undefined) return `dated ${range.fromDate} .. ${range.toDate}`;
  if (range.fromDate !== undefined) return `dated since ${range.fromDate}`;
  if (range.toDate !== undefined) return `dated up to ${range.toDate}`;
  return mode === 'full' ? 'at all' : '';
}

async function scalar(conn: DuckDBConnection, sql: string): Promise<string | null> {
  const r = (await conn.runAndReadAll(sql)).getRowObjectsJS();
  const v = r[0]?.['v'];
  return v === null || v === undefined ? null : String(v);
}

export async function runIngest(opts: RunIngestOptions): Promise<IngestSummary> {
  const t0 = performance.now();
  const log = opts.log ?? silentLogger;
  const progress = (p: IngestProgress) => {
    log.info({ stage: p.stage, rows: p.rows }, p.message);
    opts.onProgress?.(p);
  };
  const { config } = opts.loaded;
  const cfg = config.ingest;
  // Past (extra) and known-ahead (future) source columns are carried into the feature table alike.
  const future = config.source.columns.future;
  const extra = [...config.source.columns.extra, ...future];
  extra.forEach((e, i) => {
    const isFuture = i >= config.source.columns.extra.length;
    const key = isFuture
      ? `source.columns.future[${i - config.source.columns.extra.length}]`
      : `source.columns.extra[${i}]`;
    if (reservedFeatureColumns().includes(e))
      throw new IngestOptionError(key, `"${e}" is a feature table column; map the source column under another name`);
    if (extra.indexOf(e) !== i) throw new IngestOptionError(key, `"${e}" is listed twice in source.columns`);
  });
  const statics = config.source.storeColumns.statics;
  const staticNames = statics.map((st) => st.column);
  staticNames.forEach((c, i) => {
    const key = `source.storeColumns.statics[${i}]`;
    if (reservedFeatureColumns().includes(c) || (STORE_FIELDS as readonly string[]).includes(c))
      throw new IngestOptionError(key, `"${c}" is a feature table or store master column; use another source column`);
    if (staticNames.indexOf(c) !== i || extra.includes(c))
      throw new IngestOptionError(key, `"${c}" is listed twice in source.columns / source.storeColumns.statics`);
  });
  checkDay('--from', opts.from);
  checkDay('--to', opts.to);
  if (opts.from && opts.to && opts.from > opts.to)
    throw new IngestOptionError('--from', `${opts.from} is after --to ${opts.to}`);
  const today = checkDay('--today', opts.today) ?? formatIsoDay(Math.floor(Date.now() / 86_400_000));
  const strict = opts.strict ?? cfg.strict;
  const tables = lakeTables(opts.loaded);
  const runId = opts.runId ?? randomUUID();
  const state = await readIngestState(tables.features);
  if (state.exists && JSON.stringify(state.extra) !== JSON.stringify(extra) && !opts.full) {
    throw new IngestOptionError(
      '--full',
      `source.columns.extra or .future changed (${JSON.stringify(state.extra)} -> ${JSON.stringify(extra)}); ` +
        'rerun with --full to rebuild the feature table',
    );
  }
  if (state.exists && JSON.stringify(state.statics) !== JSON.stringify(statics) && !opts.full) {
    throw new IngestOptionError(
      '--full',
      `source.storeColumns.statics changed (${JSON.stringify(state.statics)} -> ${JSON.stringify(statics)}); ` +
        'rerun with --full to rebuild the feature table',
    );
  }

  const source = openSource(opts.loaded, log, opts.mssql);
  const db = await openDuckDb(opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT);
  const { conn } = db;
  let spill: SpillDir | null = null;
  try {
    await source.check(conn);
    progress({ stage: 'reference', message: 'reading stores, promotions and state holidays' });
    const src = opts.loaded.config.source;
    const scheduleName =
      src.kind === 'files'
        ? `source.files.storeSchedule (${src.files?.storeSchedule ?? ''})`
        : `source.tables.storeSchedule (${src.tables.storeSchedule ?? ''})`;
    let ref: ReferenceData;
    try {
      ref = await loadReference(conn, source, scheduleName, tables.promotions);
    } catch (err) {
      throw missingColumnError(err, 'source.storeColumns.statics', staticNames, "the source's store master");
    }
    if (ref.promotionsReused)
      progress({ stage: 'reference', message: 'promotions unchanged since they were checked: their rows are reused' });
    const storeStatics = await loadStoreStatics(
      conn,
      'cvc_raw_stores',
      ref.stores.map((s) => s.storeId),
      statics,
      source.description,
    );
    // The source answered. DuckDB spills the sales beyond its memory limit to a per-run directory
    // beside the lake (same disk); those of killed runs would otherwise stay forever.
    sweepSpillDirs(opts.loaded.paths.lakeLocal ?? opts.loaded.paths.lake, log);
    spill = createSpillDir(opts.loaded.paths.lakeLocal ?? opts.loaded.paths.lake, runId);
    await conn.run(`SET temp_directory = ${duckLiteral(spill.path)}`);
    await createQuarantineTemp(conn);
    await addReferenceQuarantine(conn, ref.bad);

    const { range, mode } = salesRange(opts, state, source, cfg.lookbackDays);
    progress({ stage: 'read', message: `reading sales from ${source.description}` });
    let read;
    try {
      read = await source.stageSales(conn, 'cvc_raw_sales', range);
    } catch (err) {
      throw missingColumnError(
        missingColumnError(err, 'source.columns.future', future),
        'source.columns.extra',
        config.source.columns.extra,
      );
    }
    const plannedRows =
      future.length > 0
        ? await takeFutureRows(conn, 'cvc_raw_sales', 'cvc_future_rows', {
            today,
            lastDay: mode === 'full' ? null : state.lastDay,
            future,
          })
        : 0;
    if (plannedRows > 0) progress({ stage: 'read', message: 'planned rows (future columns)', rows: plannedRows });
    progress({ stage: 'read', message: 'sales rows read', rows: read.rows });
    if (read.rows === 0) {
      // A source that gave nothing is usually a failed export upstream, worth a word even when it is not.
      const what = `no sales rows ${emptyReadText(range, mode)}`.trimEnd();
      if (strict) throw new EmptySourceError(source.description, what);
      log.warn({ source: source.description, mode, range }, `${source.description}: ${what}`);
    }

    const gate = await runSalesGate(conn, 'cvc_raw_sales', STORES_TEMP, 'cvc_latest', QUARANTINE_TEMP, {
      today,
      maxDailySales: cfg.maxDailySales,
      maxNSales: cfg.maxNSales,
      extra,
    });
    const byReason = await quarantineCounts(conn);
    const rowsQuarantined = Object.values(byReason).reduce((a, b) => a + b, 0);
    const unique = gate.unique;
    progress({
      stage: 'gate',
      message: `${gate.valid} valid, ${rowsQuarantined} quarantined, ${gate.valid - unique} duplicate re-sends dropped`,
      rows: unique,
    });
    // The watermark moves past every row read (valid or quarantined: none is lost), but never to a
    // timestamp from the future, which would hide rows written before it.
    const readMaxUpdated = source.hasUpdatedAt ? gate.maxUpdatedAt : null;
    await conn.run('DROP TABLE cvc_raw_sales');

    const metadataBase: CommitMetadata = { runId, source: source.description, mode, range };
    const refVersions = await writeReferenceTables(conn, tables, ref, {
      ...metadataBase,
      operation: 'ingest reference',
    });
    const quarantineWrite = await writeQuarantine(conn, tables.quarantine, runId, {
      ...metadataBase,
      rowsQuarantined,
      quarantinedByReason: byReason,
    });
    if (strict && rowsQuarantined > 0) throw new QuarantineError(byReason, tables.quarantine);

    // Days covered by the table: from the first day the source has (not each store's opening, which
    // may predate the source's history) to the last day any store reported.
    const latestMin = await scalar(conn, `SELECT min(date)::VARCHAR AS v FROM cvc_latest`);
    const latestMax = await scalar(conn, `SELECT max(date)::VARCHAR AS v FROM cvc_latest`);
    const rebuildFromScratch = mode === 'full' || !state.exists;
    const minOf = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a < b ? a : b);
    const maxOf = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);
    const firstDay = rebuildFromScratch ? latestMin : minOf(state.firstDay, latestMin);
    const lastDay = rebuildFromScratch ? latestMax : maxOf(state.lastDay, latestMax);
    const pandemic = cfg.pandemic;
    // The promotions part of the hash, moved on from the one the table keeps when they are the same promotions.
    const keptPromotions = state.promotionsHash?.of === ref.promotionsContent ? state.promotionsHash : undefined;
    const promotionsHashes = new Map<string, string>();
    const promotionsHashAt = async (day: string) => {
      const known = promotionsHashes.get(day) ?? (await promotionsHashFrom(conn, day, keptPromotions));
      promotionsHashes.set(day, known);
      return known;
    };
    const refHashBefore = state.lastDay
      ? referenceHash(ref, state.lastDay, await promotionsHashAt(state.lastDay), pandemic, extra, storeStatics)
      : null;
    const rebuilt = rebuildFromScratch || refHashBefore !== state.referenceHash || firstDay !== state.firstDay;

    let observationsChanged = 0;
    let rowsMerged = 0;
    let featuresVersion: number | null = null;
    let optimizeVersion: number | null = null;
    // A range run read only its sale dates: rows outside them written after the watermark are still
    // unread, so it leaves the watermark as it found it (its commits do not carry it at all).
    const watermarkAfter =
      mode === 'range'
        ? state.watermark
        : source.hasUpdatedAt
          ? (maxOf(mode === 'full' ? null : state.watermark, readMaxUpdated) ?? state.watermark)
          : lastDay;
    const watermarkProps: Record<string, string> =
      mode === 'range'
        ? {}
        : {
            [PROP.watermark]: watermarkAfter ?? '',
            [PROP.watermarkKind]: source.hasUpdatedAt ? 'updated_at' : 'date',
          };
    const properties: Record<string, string> = {
      ...watermarkProps,
      [PROP.firstDay]: firstDay ?? '',
      [PROP.lastDay]: lastDay ?? '',
      [PROP.referenceHash]: lastDay
        ? referenceHash(ref, lastDay, await promotionsHashAt(lastDay), pandemic, extra, storeStatics)
        : '',
      [PROP.promotionsHash]: lastDay
        ? JSON.stringify({ of: ref.promotionsContent, day: lastDay, hash: await promotionsHashAt(lastDay) })
        : '',
      [PROP.extra]: JSON.stringify(extra),
      [PROP.future]: JSON.stringify(future),
      [PROP.statics]: JSON.stringify(statics),
      [PROP.source]: source.description,
    };
    const lineage = (rows: number): CommitMetadata => ({
      ...metadataBase,
      watermarkBefore: state.watermark,
      watermarkAfter,
      rowsRead: read.rows,
      rowsValid: gate.valid,
      rowsMerged: rows,
      rowsQuarantined,
      quarantinedByReason: byReason,
    });

    // Files are written at the size OPTIMIZE aims for, so a clustered write leaves it nothing to redo.
    const targetFileSizeBytes = config.lake.targetFileSizeMb * 2 ** 20;
    const rowsPerFile = async () =>
      rowsForSize(
        (await tableExists(tables.features)) ? (await loadSnapshot(tables.features)).files : [],
        targetFileSizeBytes,
      );
    if (firstDay !== null && lastDay !== null) {
      const first = parseIsoDay(firstDay);
      const last = parseIsoDay(lastDay);
      const life = ref.stores.map((s, i) => ({
        storeIdx: i,
        storeId: s.storeId,
        placeIdx: ref.placeIdx[i]!,
        fromDay: Math.max(first, parseIsoDay(s.openedOn)),
        toDay: Math.min(last, s.closedOn ? parseIsoDay(s.closedOn) : last),
      }));
      let windows: StoreWindow[];
      let old: string | null = null;
      if (state.exists && !rebuildFromScratch) {
        old = 'cvc_old_features';
        await createView(conn, old, tables.features);
        observationsChanged = await findChanges(conn, 'cvc_latest', old, 'cvc_changes', extra);
      } else {
        await conn.run(`CREATE OR REPLACE TEMP VIEW cvc_changes AS SELECT * FROM cvc_latest`);
        observationsChanged = unique;
      }
      if (rebuilt) {
        windows = life.filter((w) => w.fromDay <= w.toDay);
      } else {
        // Only what moved: from each store's earliest changed day, and the days after the old end.
        const oldLast = parseIsoDay(state.lastDay!);
        const changedFrom = new Map<string, number>();
        const rows = (
          await conn.runAndReadAll(
            `SELECT store_id, (min(date) - DATE '1970-01-01')::INTEGER AS d FROM cvc_changes GROUP BY store_id`,
          )
        ).getRowObjectsJS();
        for (const r of rows) changedFrom.set(String(r['store_id']), Number(r['d']));
        windows = [];
        for (const w of life) {
          const from = Math.max(
            w.fromDay,
            Math.min(changedFrom.get(w.storeId) ?? Number.POSITIVE_INFINITY, oldLast + 1),
          );
          if (from <= w.toDay) windows.push({ ...w, fromDay: from });
        }
        await conn.run(`CREATE OR REPLACE TEMP TABLE cvc_windows (store_id VARCHAR, from_date DATE, to_date DATE)`);
        const app = await conn.createAppender('cvc_windows');
        for (const w of windows) {
          app.appendVarchar(w.storeId);
          app.appendVarchar(formatIsoDay(w.fromDay));
          app.appendVarchar(formatIsoDay(w.toDay));
          app.endRow();
        }
        app.closeSync();
      }

      if (windows.length > 0) {
        progress({ stage: 'features', message: `building feature rows for ${windows.length} store window(s)` });
        if (old === null) await conn.run(`CREATE OR REPLACE TEMP VIEW cvc_obs AS SELECT * FROM cvc_changes`);
        else
          await collectObservations(
            conn,
            'cvc_changes',
            old,
            STORES_TEMP,
            rebuilt ? null : 'cvc_windows',
            'cvc_obs',
            extra,
          );
        rowsMerged = await knownFutureRows(conn, ref, windows, pandemic);
        if (rebuilt) collectGarbage();
        progress({ stage: 'features', message: 'known-future covariates computed', rows: rowsMerged });
        // Each (store, day) of the windows is one feature row, so the row count is known before writing.
        const select = featureRowsSelect('cvc_kf', STORES_TEMP, 'cvc_obs', extra, staticNames);
        progress({
          stage: 'commit',
          message: rebuilt ? 'rewriting the feature table' : 'merging into the feature table',
        });
        let result;
        if (rebuilt) {
          await createTable(conn, tables.features, {
            columns: featureTableColumns(extra, statics),
            clusterBy: [...FEATURE_CLUSTER_BY],
            name: config.lake.tables.features,
            description: 'one row per store and day of its open life: sales, covariates, store facts',
            ifNotExists: true,
            properties: { 'delta.checkpointInterval': String(config.lake.checkpointInterval) },
          });
          // A --full run after source.columns or storeColumns.statics changed also changes the schema.
          result = await overwrite(conn, tables.features, select, {
            schema: featureTableColumns(extra, statics),
            clusterKeyValues: featureKeyValues('cvc_kf', STORES_TEMP),
            metadata: lineage(rowsMerged),
            properties,
            maxRowsPerFile: await rowsPerFile(),
          });
        } else {
          result = await merge(conn, tables.features, select, {
            on: [...FEATURE_CLUSTER_BY],
            // Late corrections mark a few rows of a large file deleted instead of copying it.
            enableDeletionVectors: true,
            metadata: lineage(rowsMerged),
            properties,
            maxRowsPerFile: await rowsPerFile(),
          });
        }
        featuresVersion = result.version;
        progress({ stage: 'optimize', message: 'clustering the feature table by (store_id, date)' });
        // Incremental: only the files this run wrote that are small or unclustered are rewritten.
        const opt = await optimize(conn, tables.features, {
          metadata: { runId, operation: 'ingest optimize' },
          targetFileSizeBytes,
        });
        optimizeVersion = opt.version !== featuresVersion ? opt.version : null;
      }
    }

    if (featuresVersion === null && state.exists && watermarkAfter !== state.watermark) {
      // Nothing to merge (only quarantined or unchanged rows), but they were read: move past them.
      const r = await setProperties(tables.features, properties, { metadata: lineage(0) });
      featuresVersion = r.version;
    }

    if (future.length > 0) {
      await writeFutureCovariates(conn, tables.futureCovariates, 'cvc_future_rows', lastDay, {
        ...metadataBase,
        operation: 'ingest future covariates',
      });
    }

    const summary: IngestSummary = {
      runId,
      source: source.description,
      mode,
      rebuilt: rebuilt && featuresVersion !== null,
      rowsRead: read.rows,
      rowsValid: gate.valid,
      duplicates: gate.valid - unique,
      observationsChanged,
      rowsMerged,
      rowsQuarantined,
      quarantinedByReason: byReason,
      quarantineNew: quarantineWrite?.inserted ?? 0,
      stores: ref.stores.length,
      firstDay,
      lastDay,
      watermarkBefore: state.watermark,
      watermarkAfter,
      seconds: (performance.now() - t0) / 1000,
      versions: {
        features: featuresVersion,
        optimize: optimizeVersion,
        quarantine: quarantineWrite?.version ?? null,
        ...refVersions,
      },
    };
    progress({ stage: 'done', message: `ingest done in ${summary.seconds.toFixed(1)} s`, rows: rowsMerged });
    return summary;
  } finally {
    await source.close().catch(() => undefined);
    try {
      db.close();
    } finally {
      spill?.remove();
    }
  }
}
