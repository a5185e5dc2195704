import type { Command } from 'commander';
import { runIngest, type IngestProgress } from '@cvc/ingest';
import { lakeTables } from '@cvc/feature-table';
import type { ProgressFn } from '@cvc/core';
import { createContext, fmt, type GlobalOptions } from '../context.js';
import { isoDate } from './options.js';

export function registerIngest(program: Command, globals: () => GlobalOptions): void {
  program
    .command('ingest')
    .description('load daily store sales from the source into the Delta feature table (incremental, idempotent)')
    .option('--full', 'reload everything instead of reading past the watermark', false)
    .option('--from <date>', 'first sale date to read (YYYY-MM-DD)', isoDate('--from'))
    .option('--to <date>', 'last sale date to read (YYYY-MM-DD)', isoDate('--to'))
    .option('--strict', 'fail the run if any row is quarantined or no row is read (default: config ingest.strict)')
    .action(async (o: { full: boolean; from?: string; to?: string; strict?: boolean }) => {
      const ctx = createContext('ingest', globals());
      const summary = await runIngest({
        loaded: ctx.loaded,
        full: o.full,
        ...(o.from ? { from: o.from } : {}),
        ...(o.to ? { to: o.to } : {}),
        ...(o.strict !== undefined ? { strict: o.strict } : {}),
        log: ctx.log,
        onProgress: ingestProgress(ctx.progress),
      });
      ctx.done(
        { ...summary, table: lakeTables(ctx.loaded).features },
        ingestLines(summary, lakeTables(ctx.loaded).features),
      );
    });
}

const STAGES: IngestProgress['stage'][] = [
  'reference',
  'read',
  'gate',
  'dedup',
  'features',
  'commit',
  'optimize',
  'done',
];

/** Ingest reports stages; the progress line shows them as steps of the run. */
export function ingestProgress(progress: ProgressFn): (p: IngestProgress) => void {
  return (p) =>
    progress({
      phase: 'ingest',
      done: STAGES.indexOf(p.stage),
      total: STAGES.length - 1,
      detail: p.rows === undefined ? p.message : `${p.message} (${p.rows.toLocaleString('en-US')} rows)`,
    });
}

export function ingestLines(s: Awaited<ReturnType<typeof runIngest>>, table: string): string[] {
  const q = Object.entries(s.quarantinedByReason)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return [
    `ingest: read ${fmt.int(s.rowsRead)} rows, merged ${fmt.int(s.rowsMerged)}, quarantined ` +
      `${fmt.int(s.rowsQuarantined)}${q ? ` (${q})` : ''}, ${s.stores} stores, in ${fmt.s(s.seconds)}`,
    `  feature table: ${table} (version ${s.versions.features ?? 'unchanged'}), days ${s.firstDay ?? '-'} .. ` +
      `${s.lastDay ?? '-'}, watermark ${s.watermarkAfter ?? '-'}`,
  ];
}
