// Behaviour check for refactors: runs a small demo (ingest, backtest, train, infer, one simulated
// daily day with monitor) from the built CLI into a fresh directory and prints a canonical digest of
// every Delta table under the lake root: its declared shape, row count and the sha256 of its rows,
// sorted, without the columns that differ on every run (run ids, wall-clock timestamps). Two builds
// with the same digest wrote the same tables row for row.
//
//   node --conditions=source --import tsx scripts/demo-digest.ts --out before.json      # old build
//   node --conditions=source --import tsx scripts/demo-digest.ts --compare before.json  # new build
// --compare exits 1 on any difference and names the tables that differ.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { loadConfig } from '../packages/core/src/index.js';
import { loadSnapshot, scanSql } from '../packages/lakehouse/src/index.js';

// DuckDB resolved through @cvc/lakehouse's own dependency (the workspace root does not list it).
const duckdb = createRequire(new URL('../packages/lakehouse/package.json', import.meta.url))(
  '@duckdb/node-api',
) as typeof import('@duckdb/node-api');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Columns whose values are new on every run by design; everything else must be identical. */
const VOLATILE = new Set(['run_id', 'created_at', 'quarantined_at']);

const CONFIG = `demo: { stores: 6, asOf: "2025-06-30" }
backtest: { folds: 2, models: [lgbm] }
models:
  lgbm: { numOrigins: 8, numBoostRound: 60 }
`;

interface TableDigest {
  /** Declared shape: name, description, clustering and every field (name, type, nullable, comment). */
  shape: string;
  rows: number;
  columns: string[];
  sha256: string;
}
type Digest = Record<string, TableDigest | null>;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function canonical(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canonical(x)]));
  return v;
}

async function digestTables(configPath: string): Promise<Digest> {
  const loaded = await loadConfig(configPath);
  const db = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const out: Digest = {};
  try {
    // Every Delta table under the lake root, found on disk, so two commits that declare tables
    // differently still compare the same set.
    const lake = loaded.paths.lake;
    const ids = readdirSync(lake)
      .filter((d) => existsSync(join(lake, d, '_delta_log')))
      .sort();
    for (const id of ids) {
      const path = join(lake, id);
      const snap = await loadSnapshot(path);
      const shape = JSON.stringify({
        name: snap.metadata.name ?? null,
        description: snap.metadata.description ?? null,
        clusterBy: snap.clusteringColumns,
        fields: snap.schema.map((f) => [f.name, f.deltaType, f.nullable, f.comment ?? null]),
      });
      const scan = await scanSql(conn, path);
      const reader = await conn.runAndReadAll(`SELECT * FROM ${scan} t`);
      const columns = reader.columnNames().filter((c: string) => !VOLATILE.has(c));
      const lines = reader
        .getRowObjectsJS()
        .map((r: Record<string, unknown>) => JSON.stringify(columns.map((c: string) => canonical(r[c]))))
        .sort();
      const sha256 = createHash('sha256').update(lines.join('\n')).digest('hex');
      out[id] = { shape, rows: lines.length, columns, sha256 };
    }
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cvc-digest-'));
  try {
    mkdirSync(join(dir, 'configs'));
    const config = join(dir, 'configs', 'cvc.yaml');
    writeFileSync(config, CONFIG);
    const bin = join(root, 'packages/cli/dist/bin.js');
    const r = spawnSync(process.execPath, [bin, '--config', config, '--json', 'demo', '--days', '1'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`demo failed (${r.status}): ${r.stderr.slice(-2000)}`);
    const digest = await digestTables(config);
    const text = `${JSON.stringify(digest, null, 2)}\n`;
    const outFile = arg('--out');
    if (outFile) writeFileSync(outFile, text);
    const ref = arg('--compare');
    if (!ref) {
      process.stdout.write(text);
      return;
    }
    const before = JSON.parse(readFileSync(ref, 'utf8')) as Digest;
    const ids = [...new Set([...Object.keys(before), ...Object.keys(digest)])].sort();
    let differ = 0;
    for (const id of ids) {
      const a = before[id];
      const b = digest[id];
      const same = JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
      if (!same) differ++;
      const what = b ? `${b.rows} rows ${b.sha256.slice(0, 12)}` : 'absent';
      process.stdout.write(`${same ? 'same     ' : 'DIFFERENT'} ${id}: ${what}\n`);
      if (!same) process.stdout.write(`  before: ${JSON.stringify(a)}\n  after:  ${JSON.stringify(b)}\n`);
    }
    process.stdout.write(`${ids.length - differ} of ${ids.length} tables identical to ${ref}\n`);
    if (differ > 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
