// The sharded backtest with lake.root on Azurite: 4 `--shard i/4` processes commit into the same
// blob-backed tables at once (put-if-absent on the log, the predicate-aware conflict check on a lost
// race), the merge completes the run, and delta-rs reads from the emulator one row per key. Then
// `cvc infer --shard i/4` as 4 processes at once: the blob forecast table ends with exactly the rows of
// one unsharded infer with the same bundle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_KEY, startAzurite, type Azurite } from '../../lakehouse/test/backends.js';
import { shardOfStore } from '@cvc/core';
import { cvc, deltaRows, project, python, type CliRun } from './helpers.js';

const SHARDS = 4;
let azurite: Azurite;
let p: { dir: string; config: string };
let env: NodeJS.ProcessEnv;
let shards: CliRun[];
let merge: CliRun;
let inferShards: CliRun[];
let shardedRows: Record<string, unknown>[];
let unshardedRows: Record<string, unknown>[];

describe('sharded backtest on Azurite', () => {
  beforeAll(async () => {
    azurite = await startAzurite();
    p = project(
      'demo: { stores: 8, asOf: "2025-06-30" }\nbacktest: { folds: 1, models: [] }\n' +
        'lake:\n  root: az://cvclake/shards/lake\n  localDir: ../work\n',
    );
    env = { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString };
    const q = ['--config', p.config];
    for (const step of [
      ['demo', 'init'],
      ['ingest', '--full'],
    ]) {
      const r = await cvc([...q, ...step], { env });
      if (r.code !== 0) throw new Error(`${step.join(' ')} failed: ${r.stderr.slice(-1500)}`);
    }
    shards = await Promise.all(
      Array.from({ length: SHARDS }, (_, i) =>
        cvc([...q, '--json', 'backtest', '--shard', `${i}/${SHARDS}`, '--run-id', 'az'], { env }),
      ),
    );
    merge = await cvc([...q, '--json', 'backtest', '--shard', 'merge', '--run-id', 'az'], { env });
    const trained = await cvc([...q, 'train', '--from', '2024-01-01', '--promote', 'always'], { env });
    if (trained.code !== 0) throw new Error(`train failed (${trained.code}): ${trained.stderr.slice(-1500)}`);
    inferShards = await Promise.all(
      Array.from({ length: SHARDS }, (_, i) => cvc([...q, '--json', 'infer', '--shard', `${i}/${SHARDS}`], { env })),
    );
    const forecasts = 'az://cvclake/shards/lake/bip_vprevisao_lojas_futuro';
    const storageOptions = {
      account_name: 'devstoreaccount1',
      account_key: DEV_KEY,
      endpoint: azurite.blobEndpoint,
      allow_http: 'true',
    };
    const keys = ['store_id', 'forecast_date'];
    shardedRows = await deltaRows(forecasts, keys, { keep: ['run_id'], storageOptions });
    const one = await cvc([...q, 'infer'], { env });
    if (one.code !== 0) throw new Error(`unsharded infer failed: ${one.stderr.slice(-1500)}`);
    unshardedRows = await deltaRows(forecasts, keys, { storageOptions });
  }, 900_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  it('all shards and the merge succeed; the blob tables hold every store once, no row twice', async () => {
    shards.forEach((r, i) => {
      if (r.code !== 0) throw new Error(`shard ${i} failed: ${r.stderr.slice(-1500)}`);
    });
    if (merge.code !== 0) throw new Error(`merge failed: ${merge.stderr.slice(-1500)}`);
    expect(JSON.parse(merge.stdout)).toMatchObject({ runId: 'az', shards: SHARDS, stores: 8 });
    const opts = {
      account_name: 'devstoreaccount1',
      account_key: DEV_KEY,
      endpoint: azurite.blobEndpoint,
      allow_http: 'true',
    };
    const out = await python(`
import json
from deltalake import DeltaTable
o = ${JSON.stringify(opts)}
t = lambda n: DeltaTable("az://cvclake/shards/lake/" + n, storage_options=o).to_pandas()
c, f = t("model_choice"), t("backtest_forecasts")
f = f[f.run_id == "az"]
print(json.dumps({"choice_runs": sorted(c.run_id.unique().tolist()), "stores": int(c.store_id.nunique()),
  "rows": len(c), "f_rows": len(f), "f_keys": len(f.drop_duplicates(["model", "fold", "store_id", "forecast_date"])),
  "f_stores": int(f.store_id.nunique())}))`);
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(r).toMatchObject({ choice_runs: ['az'], stores: 8, rows: 8, f_stores: 8 });
    expect(r['f_keys']).toBe(r['f_rows']);
  });

  it('4 infer shards at once on Azurite write exactly the rows of one unsharded infer, each from its shard', () => {
    const runs = inferShards.map((r, i) => {
      if (r.code !== 0) throw new Error(`infer shard ${i} failed: ${r.stderr.slice(-1500)}`);
      expect(r.stderr).not.toMatch(/re-planning/);
      return String((JSON.parse(r.stdout) as { runId: string }).runId);
    });
    expect(unshardedRows.length).toBe(8 * 35);
    for (const r of shardedRows)
      expect(runs.indexOf(String(r['run_id']))).toBe(shardOfStore(String(r['store_id']), SHARDS));
    expect(shardedRows.map(({ run_id: _, ...rest }) => rest)).toEqual(unshardedRows);
  });
});
