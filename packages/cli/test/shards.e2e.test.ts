// `cvc backtest --shard i/n` as 4 processes at once on one lake, then `--shard merge`, against one
// unsharded run of the same data. What "the same rows" means here: the per-store models (the
// baselines) give bit-identical forecasts and metrics; LightGBM is one global model per run, so a
// shard's model is trained on its stores only: same rows (keys), different values.
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { backtestLearnedFile, shardOfStore, type LoadedConfig } from '@cvc/core';
import { lakeTables, openDuckDb, readLatestBacktestChoice } from '@cvc/feature-table';
import { cvc, python, type CliRun } from './helpers.js';
import { ingestedWorld } from './world.js';

const SHARDS = 4;
let world: LoadedConfig;
let fullRun: string;
let shardRuns: CliRun[];
let merge: CliRun;
/** Each shard's choice rows as the shards left them, before the merge. */
let shardChoices: Record<string, unknown>[][];
/** The run `cvc train` would start from: before the merge, and after it. */
const latest: (string | undefined)[] = [];

async function latestChoice(): Promise<string | undefined> {
  const { conn, close } = await openDuckDb();
  try {
    return (await readLatestBacktestChoice(conn, lakeTables(world)))?.runId;
  } finally {
    close();
  }
}

interface Table {
  rows: Record<string, unknown>[];
}

/** Every row of a run (run_id dropped) read by delta-rs, sorted, so two runs compare as lists. */
async function runRows(table: string, runId: string, keys: string[]): Promise<Table> {
  const out = await python(`
import json
from deltalake import DeltaTable
df = DeltaTable(${JSON.stringify(table)}).to_pandas()
df = df[df.run_id == ${JSON.stringify(runId)}].drop(columns=[c for c in ["run_id", "created_at"] if c in df.columns])
for c in df.columns:
    if str(df[c].dtype).startswith("datetime") or str(df[c].dtype) == "object":
        df[c] = df[c].astype(str)
df = df.sort_values(${JSON.stringify(keys)})
print(json.dumps({"rows": json.loads(df.to_json(orient="records", double_precision=15))}))`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as Table;
}

describe('sharded backtest', () => {
  beforeAll(async () => {
    world = await ingestedWorld({
      stores: 10,
      yaml: 'backtest: { folds: 2, stride: 14, models: [lgbm], workers: 1 }\nmodels:\n  lgbm: { numBoostRound: 20 }\n',
    });
    const full = await cvc(['--config', world.file, '--json', 'backtest']);
    if (full.code !== 0) throw new Error(`unsharded backtest failed: ${full.stderr.slice(-2000)}`);
    fullRun = String((JSON.parse(full.stdout) as { runId: string }).runId);
    // The shards plan on the same table version and race for the next ones.
    shardRuns = await Promise.all(
      Array.from({ length: SHARDS }, (_, i) =>
        cvc(['--config', world.file, '--json', 'backtest', '--shard', `${i}/${SHARDS}`, '--run-id', 'sh']),
      ),
    );
    shardChoices = [];
    for (let i = 0; i < SHARDS; i++) {
      shardChoices.push((await runRows(`${world.paths.lake}/model_choice`, `sh.s${i}-${SHARDS}`, ['store_id'])).rows);
    }
    latest.push(await latestChoice());
    merge = await cvc(['--config', world.file, '--json', 'backtest', '--shard', 'merge', '--run-id', 'sh']);
    latest.push(await latestChoice());
  }, 900_000);

  it('train starts from the last complete run: not from a shard, from the merged run once merged', () => {
    expect(latest).toEqual([fullRun, 'sh']);
  });

  it('every shard finishes on its own stores, chosen by the FNV-1a hash of store_id', () => {
    const stores = new Set<string>();
    shardRuns.forEach((r, i) => {
      if (r.code !== 0) throw new Error(`shard ${i} failed (${r.code}): ${r.stderr.slice(-2000)}`);
      const s = JSON.parse(r.stdout) as { runId: string; stores: number };
      expect(s.runId).toBe(`sh.s${i}-${SHARDS}`);
      const mine = shardChoices[i]!;
      expect(mine.length).toBe(s.stores);
      for (const c of mine) {
        expect(shardOfStore(String(c['store_id']), SHARDS)).toBe(i);
        stores.add(String(c['store_id']));
      }
    });
    expect(stores.size).toBe(10);
  });

  it('the merge moves every shard row under the run: baselines bit-identical, no row lost or doubled', async () => {
    if (merge.code !== 0) throw new Error(`merge failed (${merge.code}): ${merge.stderr.slice(-2000)}`);
    const keys = ['model', 'fold', 'store_id', 'forecast_date'];
    const a = (await runRows(`${world.paths.lake}/backtest_forecasts`, fullRun, keys)).rows;
    const b = (await runRows(`${world.paths.lake}/backtest_forecasts`, 'sh', keys)).rows;
    expect(b.length).toBe(a.length);
    const key = (r: Record<string, unknown>) => keys.map((k) => String(r[k])).join('|');
    expect(new Set(b.map(key)).size).toBe(b.length);
    expect(b.map(key)).toEqual(a.map(key));
    const base = (rows: Record<string, unknown>[]) => rows.filter((r) => r['model'] !== 'lgbm');
    expect(base(b)).toEqual(base(a));
    expect(base(a).length).toBeGreaterThan(0);
    // LightGBM is trained once per shard on that shard's stores: same rows, other values.
    const lgbm = (rows: Record<string, unknown>[]) => rows.filter((r) => r['model'] === 'lgbm').map((r) => r['p50']);
    expect(lgbm(a).length).toBeGreaterThan(0);
    expect(lgbm(b)).not.toEqual(lgbm(a));

    const mkeys = ['model', 'fold', 'store_id'];
    const ma = (await runRows(`${world.paths.lake}/backtest_metrics`, fullRun, mkeys)).rows;
    const mb = (await runRows(`${world.paths.lake}/backtest_metrics`, 'sh', mkeys)).rows;
    expect(base(mb)).toEqual(base(ma));
    expect(mb.map((r) => mkeys.map((k) => String(r[k])).join('|'))).toEqual(
      ma.map((r) => mkeys.map((k) => String(r[k])).join('|')),
    );
    for (let i = 0; i < SHARDS; i++) {
      expect((await runRows(`${world.paths.lake}/backtest_forecasts`, `sh.s${i}-${SHARDS}`, keys)).rows).toEqual([]);
    }
  });

  it("the merged choice covers every store once, with one global best, and train's learned file exists", async () => {
    const s = JSON.parse(merge.stdout) as { shards: number; stores: number; globalBest: string };
    expect(s.shards).toBe(SHARDS);
    const full = (await runRows(`${world.paths.lake}/model_choice`, fullRun, ['store_id'])).rows;
    const sh = (await runRows(`${world.paths.lake}/model_choice`, 'sh', ['store_id'])).rows;
    expect(sh.map((r) => r['store_id'])).toEqual(full.map((r) => r['store_id']));
    expect(new Set(sh.map((r) => r['global_best']))).toEqual(new Set([s.globalBest]));
    for (const r of sh) if (r['reason'] === 'global-best') expect(r['model']).toBe(s.globalBest);
    expect(existsSync(backtestLearnedFile(world.paths.data, 'sh'))).toBe(true);
    for (let i = 0; i < SHARDS; i++)
      expect((await runRows(`${world.paths.lake}/model_choice`, `sh.s${i}-${SHARDS}`, ['store_id'])).rows).toEqual([]);
  });

  it('a second merge finds the run merged; a shard missing is an input error naming it', async () => {
    const again = await cvc(['--config', world.file, '--json', 'backtest', '--shard', 'merge', '--run-id', 'sh']);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { alreadyMerged: boolean }).alreadyMerged).toBe(true);
    const one = await cvc(['--config', world.file, 'backtest', '--shard', '1/3', '--run-id', 'part', '--folds', '1']);
    expect(one.code).toBe(0);
    const bad = await cvc(['--config', world.file, 'backtest', '--shard', 'merge', '--run-id', 'part']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/lacks shard\(s\) 0\/3, 2\/3/);
    const flag = await cvc(['--config', world.file, 'backtest', '--shard', '4/4', '--run-id', 'x']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--shard expects i\/n/);
  });
});
