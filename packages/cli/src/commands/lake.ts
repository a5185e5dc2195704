// `cvc lake ...`: the maintenance commands Delta users expect (history, optimize, vacuum, describe)
// on the tables named in config (lake.tables). Each calls one @cvc/lakehouse operation.
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { InputError, type LoadedConfig } from '@cvc/core';
import { history, liveRecords, loadSnapshot, optimize, tableExists, vacuum } from '@cvc/lakehouse';
import { DuckDBInstance } from '@duckdb/node-api';
import { createContext, fmt, type GlobalOptions } from '../context.js';
import { positiveInt } from './options.js';
import { lakeTable } from '@cvc/core';

/** Delta refuses a shorter retention unless told it is safe (spark.databricks.delta.retentionDurationCheck). */
export const MIN_RETAIN_HOURS = 168;

interface LakeTable {
  key: string;
  name: string;
  path: string;
}

function configuredTables(loaded: LoadedConfig): LakeTable[] {
  const tables = Object.entries(loaded.config.lake.tables);
  return tables.map(([key, name]) => ({ key, name, path: lakeTable(loaded.paths.lake, name) }));
}

/** A table by its config key (features, forecasts, ...) or its configured name; exit 2 naming the known ones. */
async function resolveTable(loaded: LoadedConfig, arg: string): Promise<LakeTable> {
  const all = configuredTables(loaded);
  const t = all.find((x) => x.key === arg || x.name === arg);
  if (!t) {
    const known = all.map((x) => (x.key === x.name ? x.key : `${x.key} (${x.name})`)).join(', ');
    throw new InputError(`lake: unknown table "${arg}"; expected one of ${known}`);
  }
  if (!(await tableExists(t.path))) {
    throw new InputError(`lake: table ${t.name} does not exist yet at ${t.path} (run the step that writes it first)`);
  }
  return t;
}

async function existingTables(loaded: LoadedConfig): Promise<LakeTable[]> {
  const out: LakeTable[] = [];
  for (const t of configuredTables(loaded)) if (await tableExists(t.path)) out.push(t);
  return out;
}

function hours(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`--retain-hours expects a number of hours >= 0, got "${v}"`);
  }
  return n;
}

const SHOWN_METRICS = [
  'numOutputRows',
  'numSourceRows',
  'numFilesAdded',
  'numFilesRemoved',
  'numTargetFilesAdded',
  'numTargetFilesRemoved',
  'numFiles',
];

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export function registerLake(program: Command, globals: () => GlobalOptions): void {
  const lake = program.command('lake').description('Delta table maintenance: history, optimize, vacuum, describe');

  lake
    .command('history <table>')
    .description('versions of a table, newest first: operation, rows and files, run id')
    .option('--limit <n>', 'how many versions', positiveInt('--limit'), 20)
    .action(async (name: string, o: { limit: number }) => {
      const ctx = createContext('lake history', globals());
      const t = await resolveTable(ctx.loaded, name);
      const entries = await history(t.path, { limit: o.limit });
      ctx.done({ table: t.name, history: entries }, [
        'version  timestamp                 operation   details',
        ...entries.map((e) => {
          const m = e.operationMetrics;
          const pick = SHOWN_METRICS.filter((k) => m[k] !== undefined).map((k) => `${k}=${String(m[k])}`);
          const run = e.metadata?.['runId'] ? ` run=${String(e.metadata['runId'])}` : '';
          const when = e.timestamp.toISOString().padEnd(25);
          return `${String(e.version).padStart(7)}  ${when} ${e.operation.padEnd(11)} ${pick.join(' ')}${run}`;
        }),
      ]);
    });

  lake
    .command('optimize [table]')
    .description(
      'cluster and compact: rewrites only unclustered or small files, toward lake.targetFileSizeMb ' +
        '(all tables if none named)',
    )
    .action(async (name: string | undefined) => {
      const ctx = createContext('lake optimize', globals());
      const tables = name ? [await resolveTable(ctx.loaded, name)] : await existingTables(ctx.loaded);
      const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
      const conn = await instance.connect();
      const results = [];
      try {
        for (const t of tables) {
          const r = await optimize(conn, t.path, {
            targetFileSizeBytes: ctx.loaded.config.lake.targetFileSizeMb * 2 ** 20,
            metadata: { runId: ctx.runId, operation: 'cvc lake optimize' },
          });
          const filesRemoved = Number(r.metrics['numFilesRemoved'] ?? 0);
          results.push({
            table: t.name,
            version: r.version,
            filesRemoved,
            filesAdded: Number(r.metrics['numFilesAdded'] ?? 0),
          });
        }
      } finally {
        conn.closeSync();
        instance.closeSync();
      }
      ctx.done(
        { tables: results },
        results.map((r) =>
          r.filesRemoved === 0
            ? `${r.table}: nothing to optimize (version ${r.version})`
            : `${r.table}: ${r.filesRemoved} file(s) rewritten into ${r.filesAdded}, version ${r.version}`,
        ),
      );
    });

  lake
    .command('vacuum [table]')
    .description('delete data files no version inside the retention window references (all tables if none named)')
    .option('--retain-hours <h>', 'keep files removed less than this long ago', hours, MIN_RETAIN_HOURS)
    .option(
      '--force',
      `allow a retention below ${MIN_RETAIN_HOURS} h (running readers or writers may need the files)`,
      false,
    )
    .option('--dry-run', 'list the files that would be deleted, delete nothing', false)
    .action(async (name: string | undefined, o: { retainHours: number; force: boolean; dryRun: boolean }) => {
      const ctx = createContext('lake vacuum', globals());
      if (o.retainHours < MIN_RETAIN_HOURS && !o.force) {
        throw new InputError(
          `--retain-hours ${o.retainHours} is below the safe minimum of ${MIN_RETAIN_HOURS} hours; ` +
            'pass --force if no reader or writer can still need those files',
        );
      }
      const tables = name ? [await resolveTable(ctx.loaded, name)] : await existingTables(ctx.loaded);
      const results = [];
      for (const t of tables) {
        const r = await vacuum(t.path, { retentionHours: o.retainHours, enforceRetention: !o.force, dryRun: o.dryRun });
        results.push({ table: t.name, version: r.version, deleted: r.deleted });
      }
      const verb = o.dryRun ? 'would delete' : 'deleted';
      ctx.done(
        { dryRun: o.dryRun, retainHours: o.retainHours, tables: results },
        results.flatMap((r) => [
          `${r.table}: ${verb} ${r.deleted.length} file(s)`,
          ...(o.dryRun ? r.deleted.map((p) => `  ${p}`) : []),
        ]),
      );
    });

  lake
    .command('describe <table>')
    .description('schema, clustering, files, size and versions of a table')
    .action(async (name: string) => {
      const ctx = createContext('lake describe', globals());
      const t = await resolveTable(ctx.loaded, name);
      const snap = await loadSnapshot(t.path);
      const versions = (await history(t.path)).length;
      const bytes = snap.files.reduce((s, f) => s + f.size, 0);
      // Rows of the table: a file's deletion vector hides some of its Parquet rows.
      const rows = snap.files.reduce((s, f) => s + (liveRecords(f) || 0), 0);
      const clustered = snap.files.filter((f) => f.add.clusteringProvider !== undefined).length;
      const summary = {
        table: t.name,
        path: t.path,
        version: snap.version,
        versions,
        files: snap.files.length,
        clusteredFiles: clustered,
        bytes,
        rows,
        clusteringColumns: snap.clusteringColumns,
        schema: snap.schema.map((f) => ({ name: f.name, type: f.sqlType ?? f.deltaType, nullable: f.nullable })),
        protocol: snap.protocol,
      };
      const clusterLine = snap.clusteringColumns.length
        ? `(${snap.clusteringColumns.join(', ')}), ${clustered} of ${snap.files.length} file(s) clustered`
        : 'none';
      const features = snap.protocol.writerFeatures?.length ? ` (${snap.protocol.writerFeatures.join(', ')})` : '';
      ctx.done(summary, [
        `${t.name} (${t.path})`,
        `  version ${snap.version} (${versions} in the log), ${fmt.int(snap.files.length)} data file(s), ` +
          `${mib(bytes)}, ` +
          `${fmt.int(rows)} rows`,
        `  clustering: ${clusterLine}`,
        `  protocol: reader ${snap.protocol.minReaderVersion}, writer ${snap.protocol.minWriterVersion}${features}`,
        '  columns:',
        ...summary.schema.map((c) => `    ${c.name.padEnd(28)} ${String(c.type)}${c.nullable ? '' : ' NOT NULL'}`),
      ]);
    });
}
