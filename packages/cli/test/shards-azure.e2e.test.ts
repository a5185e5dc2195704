// The sharded backtest with lake.root on Azurite: 4 `--shard i/4` processes commit into the same
// blob-backed tables at once (put-if-absent on the log, the predicate-aware conflict check on a lost
// race), the merge completes the run, and delta-rs reads from the emulator one row per key.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_KEY, startAzurite, type Azurite } from '../../lakehouse/test/backends.js';
import { BIN, cvc, project, python, type CliRun } from './helpers.js';

const SHARDS = 4;
let azurite: Azurite;
let p: { dir: string; config: string };
let env: NodeJS.ProcessEnv;
let shards: CliRun[];
let merge: CliRun;

function cvcAsync(args: string[]): Promise<CliRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

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
      const r = cvc([...q, ...step], { env });
      if (r.code !== 0) throw new Error(`${step.join(' ')} failed: ${r.stderr.slice(-1500)}`);
    }
    shards = await Promise.all(
      Array.from({ length: SHARDS }, (_, i) =>
        cvcAsync([...q, '--json', 'backtest', '--shard', `${i}/${SHARDS}`, '--run-id', 'az']),
      ),
    );
    merge = cvc([...q, '--json', 'backtest', '--shard', 'merge', '--run-id', 'az'], { env });
  }, 900_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  it('all shards and the merge succeed; the blob tables hold every store once, no row twice', () => {
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
    const out = python(`
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
});
