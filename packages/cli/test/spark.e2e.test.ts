// Spark (pyspark + delta-spark, as Databricks reads them) reads every Delta table the demo pipeline
// writes, at its latest and an earlier version, row for row what delta-rs reads; and a lake written
// by cvc before its protocols listed `invariants` becomes readable after the next write. One JVM
// (one Python process) reads everything: starting it is the slow part. scripts/setup-test.sh
// installs pyspark, delta-spark, a JDK and the delta and hadoop-azure jars; without them this test fails.
// The same JVM also reads every table of a demo lake on Azurite through hadoop-azure's wasb:// driver in
// its emulator mode, which reaches Azurite only at 127.0.0.1:10000 (that port must be free).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import net from 'node:net';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { append, createTable, merge, optimize } from '@cvc/lakehouse';
import { DEV_ACCOUNT, DEV_KEY, listBlobNames, startAzurite, type Azurite } from '../../lakehouse/test/backends.js';
import { cvc, project } from './helpers.js';
import { useOracle } from '../../../test-support/oracles.js';

const execFileAsync = promisify(execFile);

interface Spec {
  name: string;
  path: string;
  version: number;
  /** For a table on Azurite: `path` is Spark's wasb:// URL, these are delta-rs's. */
  deltarsPath?: string;
  storageOptions?: Record<string, string>;
}
interface Read {
  name: string;
  version: number;
  sparkError?: string;
  features?: string[];
  columns?: string[];
  spark?: { rows: number; sha256: string };
  deltars?: { rows: number; sha256: string };
  firstDifference?: string;
}

/** What cvc wrote for every clustered table before it listed invariants (its tables have NOT NULL columns). */
const OLD_PROTOCOL = { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['clustering', 'domainMetadata'] };
const CONFIG =
  'demo: { stores: 4, asOf: "2025-06-30" }\nbacktest: { folds: 1, models: [lgbm] }\n' +
  'models:\n  lgbm: { numOrigins: 4, numBoostRound: 30 }\n';
const DEMO_TABLES = [
  'backtest_forecasts',
  'backtest_metrics',
  'bip_vprevisao_lojas_futuro',
  'features',
  'forecast_accuracy',
  'model_choice',
  'promotions',
  'quarantine',
  'state_holidays',
  'stores',
];

function latestVersion(table: string): number {
  const commits = readdirSync(join(table, '_delta_log')).filter((f) => /^\d{20}\.json$/.test(f));
  return Math.max(...commits.map((f) => Number(f.slice(0, 20))));
}

/** Every Delta table under `root` (one level down), by name. */
function deltaTables(root: string): Array<[string, string]> {
  return readdirSync(root)
    .map((n) => [n, join(root, n)] as [string, string])
    .filter(([, p]) => existsSync(join(p, '_delta_log')));
}

/** hadoop-azure's emulator mode (CloudStorageAccount.getDevelopmentStorageAccount) has this port built in. */
const EMULATOR_PORT = 10000;

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The latest version of every Delta table in an Azure container, by its path under the container. */
async function azureTables(connectionString: string, container: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const name of await listBlobNames(connectionString, container, '')) {
    const m = /^(.+)\/_delta_log\/(\d{20})\.json$/.exec(name);
    if (m) out.set(m[1]!, Math.max(out.get(m[1]!) ?? -1, Number(m[2])));
  }
  return out;
}

/** The demo with `days` simulated days of `cvc daily` after infer. */
// Child processes run async: a worker blocked for minutes starves vitest's RPC ("Timeout calling onTaskUpdate").
async function demo(dir: string, config: string, days: number): Promise<void> {
  const r = await cvc(['--config', config, '--json', 'demo', '--days', String(days)]);
  if (r.code !== 0) throw new Error(`demo failed (${r.code}) in ${dir}: ${r.stderr.slice(-2000)}`);
}

async function infer(config: string): Promise<void> {
  const r = await cvc(['--config', config, '--json', 'infer', '--horizon', '35']);
  if (r.code !== 0) throw new Error(`infer failed (${r.code}): ${r.stderr.slice(-2000)}`);
}

/** Puts the old protocol back into version 0, as cvc wrote it before the fix. */
function writeOldProtocol(table: string): void {
  const file = join(table, '_delta_log', '00000000000000000000.json');
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => (l.startsWith('{"protocol"') ? JSON.stringify({ protocol: OLD_PROTOCOL }) : l));
  writeFileSync(file, lines.join('\n'));
}

/** A clustered table through every kind of commit, checkpoints included (interval 3). */
async function lakehouseTable(table: string): Promise<void> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  await createTable(conn, table, {
    columns: [
      { name: 'store_id', type: 'VARCHAR', nullable: false },
      { name: 'date', type: 'DATE', nullable: false },
      { name: 'i', type: 'INTEGER' },
      { name: 'l', type: 'BIGINT' },
      { name: 'd', type: 'DOUBLE' },
      { name: 'b', type: 'BOOLEAN' },
      { name: 'ts', type: 'TIMESTAMPTZ' },
    ],
    clusterBy: ['store_id'],
    properties: { 'delta.checkpointInterval': '3' },
  });
  for (let k = 0; k < 4; k++) {
    await append(
      conn,
      table,
      `SELECT (range % 3)::VARCHAR AS store_id, DATE '2025-01-01' + range::INTEGER + ${k * 10} AS date,
      range::INTEGER AS i, range::BIGINT * 1000000000 AS l, range / 3 AS d, range % 2 = 0 AS b,
      TIMESTAMPTZ '2025-01-01 00:00:00.123+00' + to_seconds(range) AS ts FROM range(10)`,
    );
  }
  await merge(
    conn,
    table,
    `SELECT '1' AS store_id, DATE '2025-01-02' AS date, 99 AS i, 1::BIGINT AS l, 1.0 AS d, TRUE AS b,
    TIMESTAMPTZ '2025-03-01 10:00:00+00' AS ts`,
    // One matched row of a 10-row file: marked in a deletion vector (the table moves to reader 3 / writer 7).
    { on: ['store_id', 'date'], enableDeletionVectors: true },
  );
  // Files under a quarter of the target are compacted: the five small files become one.
  const compacted = await optimize(conn, table, { targetRowsPerFile: 100 });
  if (compacted.metrics['numFilesAdded'] !== 1) throw new Error('optimize did not compact the table');
}

describe.skipIf(!(await useOracle('spark')))('Spark reads what cvc writes', () => {
  let reads: Read[];
  let specs: Spec[];
  let sparkSeconds: number;
  let azurite: Azurite | undefined;
  const dirs: string[] = [];
  const byName = (name: string, version: number) => reads.find((r) => r.name === name && r.version === version)!;

  beforeAll(async () => {
    // The demo at a tiny size (one model, one fold), then a second infer: bip_vprevisao_lojas_futuro gets a
    // third version.
    const p = project(CONFIG);
    dirs.push(p.dir);
    // Two simulated days of `cvc daily` add monitor's forecast_accuracy.
    await demo(p.dir, p.config, 2);
    await infer(p.config);
    // A lake from the old cvc: the demo's clustered tables with the old protocol; then a new infer writes.
    const old = project(CONFIG);
    dirs.push(old.dir);
    // No simulated days: the old cvc had no daily runs, and they would checkpoint past version 0.
    await demo(old.dir, old.config, 0);
    const oldLake = join(old.dir, 'data', 'lake');
    for (const [, t] of deltaTables(oldLake)) {
      if (readFileSync(join(t, '_delta_log', '00000000000000000000.json'), 'utf8').includes('"clustering"'))
        writeOldProtocol(t);
    }
    cpSync(join(oldLake, 'features'), join(old.dir, 'features-untouched'), { recursive: true });
    await infer(old.config);
    const lib = join(p.dir, 'lakehouse-table');
    await lakehouseTable(lib);

    specs = [];
    for (const root of ['lake', 'tracking']) {
      for (const [name, path] of deltaTables(join(p.dir, 'data', root))) {
        const v = latestVersion(path);
        specs.push({ name, path, version: v }, { name, path, version: v - 1 });
      }
    }
    const oldBip = join(oldLake, 'bip_vprevisao_lojas_futuro');
    const oldV = latestVersion(oldBip);
    specs.push(
      { name: 'old:bip_vprevisao_lojas_futuro', path: oldBip, version: oldV },
      { name: 'old:bip_vprevisao_lojas_futuro', path: oldBip, version: oldV - 1 },
      {
        name: 'old:features',
        path: join(old.dir, 'features-untouched'),
        version: latestVersion(join(old.dir, 'features-untouched')),
      },
    );
    for (let v = 0; v <= latestVersion(lib); v++) specs.push({ name: 'lakehouse-table', path: lib, version: v });

    // The same demo with its lake (registry and tracking below it) on Azurite; Spark reads each table's
    // latest version through wasb://, delta-rs through az:// with the emulator's endpoint.
    // Another run of this file (a second suite on the same machine) may hold the port for a while.
    const waitUntil = Date.now() + 600_000;
    while (!(await portFree(EMULATOR_PORT)) && Date.now() < waitUntil) {
      await new Promise((r) => setTimeout(r, 2000));
    }
    if (!(await portFree(EMULATOR_PORT))) {
      throw new Error(
        `127.0.0.1:${EMULATOR_PORT} has been in use for 10 min: wasb's emulator mode reaches Azurite only there`,
      );
    }
    azurite = await startAzurite({ port: EMULATOR_PORT });
    const az = project(`${CONFIG}lake: { root: az://sparklake/demo/lake, localDir: ../work }\n`);
    dirs.push(az.dir);
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, CVC_LAKE_CACHE: join(az.dir, 'cache') };
    const r = await cvc(['--config', az.config, '--json', 'demo', '--days', '2'], { env });
    if (r.code !== 0) throw new Error(`demo on Azurite failed (${r.code}): ${r.stderr.slice(-2000)}`);
    const storageOptions = {
      account_name: DEV_ACCOUNT,
      account_key: DEV_KEY,
      endpoint: azurite.blobEndpoint,
      allow_http: 'true',
    };
    for (const [table, version] of await azureTables(azurite.connectionString, 'sparklake')) {
      specs.push({
        name: `azure:${table.split('/').at(-1)!}`,
        path: `wasb://sparklake@devstoreaccount1.blob.core.windows.net/${table}`,
        version,
        deltarsPath: `az://sparklake/${table}`,
        storageOptions,
      });
    }

    const started = Date.now();
    const { stdout: out } = await execFileAsync(
      'python3',
      [resolve(__dirname, 'spark-compare.py'), JSON.stringify(specs)],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 900_000,
      },
    );
    sparkSeconds = (Date.now() - started) / 1000;
    const lines = out.trim().split('\n');
    reads = JSON.parse(lines[lines.length - 1]!) as Read[];
    console.log(
      `spark-compare: ${specs.length} table versions read by delta-spark and delta-rs in ${sparkSeconds.toFixed(1)} s`,
    );
  }, 1_500_000);
  afterAll(async () => {
    await azurite?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('reads every table the demo writes, at its latest and an earlier version, as delta-rs does', () => {
    const names = new Set(reads.map((r) => r.name));
    for (const t of [...DEMO_TABLES, 'runs', 'params', 'metrics', 'tags']) expect(names, t).toContain(t);
    const demoReads = reads.filter((r) => !r.name.includes(':') && r.name !== 'lakehouse-table');
    expect(demoReads.length).toBe(specs.filter((s) => !s.name.includes(':') && s.name !== 'lakehouse-table').length);
    for (const r of demoReads) {
      const label = `${r.name}@${r.version}`;
      expect(r.sparkError, label).toBeUndefined();
      expect(r.firstDifference, label).toBeUndefined();
      expect(r.spark, label).toEqual(r.deltars);
    }
    // Not a vacuous comparison: the latest version of every demo table holds rows.
    const latest = (name: string) => Math.max(...demoReads.filter((r) => r.name === name).map((r) => r.version));
    for (const t of DEMO_TABLES) expect(byName(t, latest(t)).spark!.rows, t).toBeGreaterThan(0);
    // The second infer replaced the first one's rows: both versions hold one forecast per store and day.
    const bip = latest('bip_vprevisao_lojas_futuro');
    expect(byName('bip_vprevisao_lojas_futuro', bip - 1).spark!.rows).toBe(
      byName('bip_vprevisao_lojas_futuro', bip).spark!.rows,
    );
  });

  it('reads every table of a demo lake on Azurite through wasb://, as delta-rs reads it from there', () => {
    const az = reads.filter((r) => r.name.startsWith('azure:'));
    const names = new Set(az.map((r) => r.name.slice('azure:'.length)));
    // The lake's tables, and tracking's under it (the registry holds bundles, not Delta tables).
    for (const t of [...DEMO_TABLES, 'runs', 'params', 'metrics', 'tags']) expect(names, t).toContain(t);
    for (const r of az) {
      expect(r.sparkError, r.name).toBeUndefined();
      expect(r.firstDifference, r.name).toBeUndefined();
      expect(r.spark, r.name).toEqual(r.deltars);
    }
    for (const t of DEMO_TABLES) expect(az.find((r) => r.name === `azure:${t}`)!.spark!.rows, t).toBeGreaterThan(0);
    // The demo's daily runs merged into `features` with a deletion vector, read by Spark from the blobs too.
    expect(az.find((r) => r.name === 'azure:features')!.features).toContain('deletionVectors');
  });

  it('clustered tables list invariants with clustering, as Spark itself would', () => {
    for (const t of [
      'features',
      'bip_vprevisao_lojas_futuro',
      'backtest_forecasts',
      'backtest_metrics',
      'model_choice',
    ]) {
      const r = reads.find((x) => x.name === t)!;
      // The demo's daily ingests merge late corrections into `features` with deletion vectors.
      const dv = t === 'features' ? ['deletionVectors'] : [];
      expect([...(r.features ?? [])].sort(), t).toEqual([
        'appendOnly',
        'clustering',
        ...dv,
        'domainMetadata',
        'invariants',
      ]);
    }
  });

  it('reads a clustered table at every version: appends, merge with a deletion vector, optimize, checkpoints', () => {
    const lib = reads.filter((r) => r.name === 'lakehouse-table');
    expect(lib.map((r) => r.sparkError)).toEqual(lib.map(() => undefined));
    expect(lib[lib.length - 1]!.features).toContain('deletionVectors');
    expect(lib.map((r) => r.spark!.rows)).toEqual([0, 10, 20, 30, 40, 40, 40]);
    for (const r of lib) expect(r.spark, `lakehouse-table@${r.version}`).toEqual(r.deltars);
  });

  it('a table from the old cvc is refused by Spark until cvc writes it again, then read as delta-rs reads it', () => {
    const untouched = reads.find((r) => r.name === 'old:features')!;
    expect(untouched.sparkError).toMatch(/DELTA_FEATURES_PROTOCOL_METADATA_MISMATCH.*invariants/);
    const bip = reads.filter((r) => r.name === 'old:bip_vprevisao_lojas_futuro').sort((a, b) => a.version - b.version);
    // The versions before the upgrade keep their old protocol: Delta never rewrites a commit.
    expect(bip[0]!.sparkError).toMatch(/DELTA_FEATURES_PROTOCOL_METADATA_MISMATCH/);
    expect(bip[1]!.sparkError).toBeUndefined();
    expect(bip[1]!.spark).toEqual(bip[1]!.deltars);
    expect(bip[1]!.spark!.rows).toBeGreaterThan(0);
    expect(bip[1]!.features).toEqual(['clustering', 'domainMetadata', 'invariants']);
  });
});
