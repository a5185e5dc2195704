// `cvc infer --shard i/n` as 4 processes at once on one lake, against one unsharded infer with the same
// bundle: the forecast table ends with exactly the unsharded rows, bit for bit, each written by its
// shard. Also: a rerun of a shard replaces only its rows, the lock is per shard, and `cvc train` after
// a sharded backtest merges it first (train itself is not sharded).
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shardOfStore, type LoadedConfig } from '@cvc/core';
import { acquireLock } from '@cvc/infer';
import { cvc, deltaRows, python, type CliRun } from './helpers.js';
import { ingestedWorld } from './world.js';

const SHARDS = 4;
const KEYS = ['store_id', 'forecast_date'];
let world: LoadedConfig;
let q: string[];
let table: string;
let train: CliRun;
let unsharded: Record<string, unknown>[];
/** 4 shards at once on a date with no rows yet, then again over the unsharded run's file. */
let fresh: { runs: CliRun[]; rows: Record<string, unknown>[] };
let again: { runs: CliRun[]; rows: Record<string, unknown>[] };

async function fourShards(): Promise<{ runs: CliRun[]; rows: Record<string, unknown>[] }> {
  const runs = await Promise.all(
    Array.from({ length: SHARDS }, (_, i) => cvc([...q, 'infer', '--shard', `${i}/${SHARDS}`])),
  );
  return { runs, rows: await deltaRows(table, KEYS, { keep: ['run_id'] }) };
}

/** Each row was written by the shard owning its store; the rows without run_id. */
function checkOwners(s: { runs: CliRun[]; rows: Record<string, unknown>[] }): Record<string, unknown>[] {
  const out = s.runs.map((r) => json(r));
  expect(out.map((r) => r['shard'])).toEqual(['0/4', '1/4', '2/4', '3/4']);
  const byRun = new Map(out.map((r, i) => [String(r['runId']), i]));
  for (const r of s.rows) expect(byRun.get(String(r['run_id']))).toBe(shardOfStore(String(r['store_id']), SHARDS));
  return s.rows.map(({ run_id: _, ...rest }) => rest);
}

const json = (r: CliRun) => {
  if (r.code !== 0) throw new Error(`cvc failed (${r.code}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

describe('sharded infer', () => {
  beforeAll(async () => {
    world = await ingestedWorld({
      stores: 12,
      yaml: 'backtest: { folds: 1, models: [lgbm], workers: 1 }\nmodels:\n  lgbm: { numBoostRound: 20 }\n',
    });
    q = ['--config', world.file, '--json'];
    table = join(world.paths.lake, world.config.lake.tables.forecasts);
    // A sharded backtest left unmerged: train's first step merges it.
    await Promise.all(
      [0, 1].map((i) => cvc([...q, 'backtest', '--shard', `${i}/2`, '--run-id', 'bt'])).map(async (p) => json(await p)),
    );
    train = await cvc([...q, 'train', '--from', '2024-01-01', '--promote', 'always']);
    json(train);
    fresh = await fourShards();
    json(await cvc([...q, 'infer']));
    unsharded = await deltaRows(table, KEYS);
    again = await fourShards();
  }, 900_000);

  it('train after an unmerged sharded backtest merges it first and trains on its choice', () => {
    const r = json(train);
    expect(r['backtestRunId']).toBe('bt');
    expect(train.stderr).toMatch(/merged the sharded backtest/);
  });

  it('4 shards at once write exactly the rows of one unsharded infer, bit for bit, without a conflict', () => {
    expect(new Set(unsharded.map((r) => r['store_id'])).size).toBe(12);
    expect(checkOwners(fresh)).toEqual(unsharded);
    const stores = fresh.runs.map((r) => Number(json(r)['storesForecast']));
    expect(stores.reduce((a, b) => a + b, 0)).toBe(12);
    // Disjoint store sets commit one after the other: no shard had to re-plan its write.
    for (const r of fresh.runs) expect(r.stderr).not.toMatch(/re-planning/);
  });

  it('4 shards at once over the unsharded file (each must rewrite it) still end with the same rows', () => {
    expect(checkOwners(again)).toEqual(unsharded);
  });

  it('a rerun of one shard replaces only its stores rows', async () => {
    const before = await deltaRows(table, KEYS, { keep: ['run_id'] });
    const again = json(await cvc([...q, 'infer', '--shard', `2/${SHARDS}`]));
    const after = await deltaRows(table, KEYS, { keep: ['run_id'] });
    expect(after.length).toBe(before.length);
    after.forEach((r, i) => {
      const mine = shardOfStore(String(r['store_id']), SHARDS) === 2;
      expect(r['run_id']).toBe(mine ? again['runId'] : before[i]!['run_id']);
      expect({ ...r, run_id: null }).toEqual({ ...before[i]!, run_id: null });
    });
  });

  it('the lock is per shard: a second run of one shard waits and gives up, another shard runs', async () => {
    const lock = await acquireLock(`${table}.shard-1-of-${SHARDS}.lock`, { runId: 'test', timeoutSec: 1 });
    try {
      const [same, other] = await Promise.all([
        await cvc([...q, 'infer', '--shard', `1/${SHARDS}`]),
        await cvc([...q, 'infer', '--shard', `3/${SHARDS}`]),
      ]);
      expect(same.code).toBe(3);
      expect(same.stderr).toMatch(/holds the lock .*shard-1-of-4\.lock/);
      expect(json(other)['shard']).toBe('3/4');
    } finally {
      await lock.release();
    }
    const history = await python(`
import json
from deltalake import DeltaTable
h = DeltaTable(${JSON.stringify(table)}).history()
print(json.dumps([json.loads(c["userMetadata"]).get("shard") for c in h
  if c.get("operation") == "WRITE" and "userMetadata" in c]))`);
    const tags = JSON.parse(history.trim().split('\n').at(-1)!) as (string | null)[];
    // Two rounds of 4 shards, the rerun of 2/4 and the 3/4 beside the locked 1/4.
    const want = ['0/4', '0/4', '1/4', '1/4', '2/4', '2/4', '2/4', '3/4', '3/4', '3/4'];
    expect(tags.filter((t) => t !== null).sort()).toEqual(want);
  });

  it('train --shard and infer --shard merge are input errors saying why', async () => {
    const t = await cvc(['--config', world.file, 'train', '--from', '2024-01-01', '--shard', '0/2']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/train is not sharded; its models are global/);
    const i = await cvc(['--config', world.file, 'infer', '--shard', 'merge']);
    expect(i.code).toBe(2);
    expect(i.stderr).toMatch(/infer --shard takes i\/n/);
  });

  it('train refuses a newer sharded backtest with a shard missing, naming it', async () => {
    json(await cvc([...q, 'backtest', '--shard', '1/3', '--run-id', 'part']));
    const t = await cvc(['--config', world.file, 'train', '--from', '2024-01-01']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/run "part" lacks shard\(s\) 0\/3, 2\/3/);
  });
});
