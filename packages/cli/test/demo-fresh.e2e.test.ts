// `cvc demo --fresh` after a demo that simulated days: the earlier run's simulated days, folds, registry
// versions, tracked runs and reports are gone, and the new backtest's folds are those of a demo in an empty
// folder. Through the built CLI at a small size (baselines only); tables read back by delta-rs.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLockFile } from '@cvc/core';
import { cvc, project, python } from './helpers.js';

/** Backtest cutoffs per run and the last feature day, as delta-rs reads them. */
async function lakeFolds(
  lake: string,
): Promise<{ cutoffs: Record<string, string[]>; lastDay: string; lastDayProp: string }> {
  const out = await python(`
import json
import pyarrow as pa
from deltalake import DeltaTable, QueryBuilder
b = DeltaTable(${JSON.stringify(join(lake, 'backtest_forecasts'))}).to_pandas(columns=["run_id", "cutoff"])
cutoffs = {r: sorted(g.cutoff.astype(str).unique().tolist()) for r, g in b.groupby("run_id")}
f = DeltaTable(${JSON.stringify(join(lake, 'features'))})
last = pa.table(QueryBuilder().register("f", f).execute("select max(date) as d from f").read_all()).column("d")[0]
prop = f.metadata().configuration.get("cvc.ingest.lastDay", "")
print(json.dumps({"cutoffs": cutoffs, "lastDay": str(last), "lastDayProp": prop}))`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as Awaited<ReturnType<typeof lakeFolds>>;
}

describe('cvc demo --fresh', () => {
  it('starts over from an earlier demo with simulated days: default folds, one registry version', async () => {
    const p = project('demo: { stores: 4, asOf: "2025-06-30" }\nbacktest: { folds: 2, models: [] }\n');
    const lake = join(p.dir, 'data', 'lake');
    const first = await cvc(['--config', p.config, '--json', 'demo', '--days', '3']);
    if (first.code !== 0) throw new Error(`demo failed (${first.code}): ${first.stderr.slice(-2000)}`);
    const before = await lakeFolds(lake);
    // The first run started from an empty folder: its folds are the default ones, its lake ran on 3 days.
    expect(before.lastDay).toBe('2025-07-03');
    const [defaultCutoffs] = Object.values(before.cutoffs);
    expect(defaultCutoffs).toHaveLength(2);
    expect(defaultCutoffs!.at(-1)! < '2025-06-30').toBe(true);

    // Without --fresh the demo continues the earlier run, and says its folds now end after the as-of date.
    const again = await cvc(['--config', p.config, 'demo', '--days', '0']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('note: the lake holds sales through 2025-07-03, after the as-of date 2025-06-30');

    const fresh = await cvc(['--config', p.config, '--json', 'demo', '--fresh', '--days', '0']);
    if (fresh.code !== 0) throw new Error(`demo --fresh failed (${fresh.code}): ${fresh.stderr.slice(-2000)}`);
    const s = JSON.parse(fresh.stdout) as { backtest: { runId: string }; train: { version: string } };
    const after = await lakeFolds(lake);
    expect(after).toEqual({
      cutoffs: { [s.backtest.runId]: defaultCutoffs },
      lastDay: '2025-06-30',
      lastDayProp: '2025-06-30',
    });
    expect(String(s.train.version)).toBe('1');
    expect(readdirSync(join(p.dir, 'data', 'reports')).filter((f) => f.startsWith('monitor-'))).toEqual([]);
    expect(readdirSync(join(p.dir, 'data', 'backtest-runs'))).toEqual([s.backtest.runId]);
    // The earlier run's tracked runs went with it: its daily monitor runs are gone, the new run tracked some.
    const runs = JSON.parse((await cvc(['--config', p.config, '--json', 'runs', 'list'])).stdout) as {
      runs: Array<{ name: string }>;
    };
    expect(runs.runs.length).toBeGreaterThan(0);
    expect(runs.runs.filter((r) => r.name.startsWith('monitor'))).toEqual([]);
  }, 900_000);

  it('refuses (exit 3) while a daily or infer run holds its lock, removes nothing, lets go of its locks', async () => {
    // Small, so that a --fresh that went ahead (the bug) fails the checks below soon.
    const p = project(
      'demo: { stores: 2, simulateDays: 0 }\nbacktest: { folds: 1, models: [] }\n' +
        'lake: { tables: { forecasts: store_forecasts } }\n',
    );
    const lake = join(p.dir, 'data', 'lake');
    // An earlier demo's outputs, as far as --fresh can tell: a lake table and a report.
    const outputs = [join(lake, 'features', 'part-0.parquet'), join(p.dir, 'data', 'reports', 'backtest.html')];
    for (const f of outputs) {
      mkdirSync(join(f, '..'), { recursive: true });
      writeFileSync(f, 'earlier demo');
    }
    const daily = join(lake, 'daily.lock');
    const infer = join(lake, 'store_forecasts.lock');
    const shard = join(lake, 'store_forecasts.shard-1-of-2.lock');
    for (const [path, command] of [
      [daily, 'cvc daily'],
      [infer, 'cvc infer'],
      [shard, 'cvc infer --shard'],
    ] as const) {
      // This test's process stands for the cron run: alive, so its lock is not stale.
      const held = await acquireLockFile(path, {
        timeoutMs: 0,
        holder: 'run cron-run-1',
        onTimeout: () => new Error(`${path} held`),
      });
      try {
        const r = await cvc(['--config', p.config, 'demo', '--fresh']);
        expect(r.code).toBe(3);
        expect(r.stderr).toContain(`demo --fresh: a running ${command} (pid ${process.pid} on `);
        expect(r.stderr).toContain(`run cron-run-1, since`);
        expect(r.stderr).toContain(`holds ${path}`);
        for (const f of outputs) expect(existsSync(f)).toBe(true);
        expect(existsSync(join(p.dir, 'data', 'demo', 'source.duckdb'))).toBe(false);
        // The locks it took before the held one are released, not left behind.
        expect(readdirSync(lake).filter((f) => f.endsWith('.lock') && join(lake, f) !== path)).toEqual([]);
      } finally {
        await held.release();
      }
    }
  });

  it('refuses (exit 2) a lake that is not on local disk, before writing anything', async () => {
    const p = project('lake:\n  root: az://cvclake/demo/lake\n  localDir: ../work\n');
    const r = await cvc(['--config', p.config, 'demo', '--fresh'], {
      env: { AZURE_STORAGE_ACCOUNT_NAME: 'devstoreaccount1' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("demo --fresh clears the demo's outputs on local disk only");
    expect(r.stderr).toContain('lake.root az://cvclake/demo/lake');
    expect(existsSync(join(p.dir, 'data', 'demo', 'source.duckdb'))).toBe(false);
  });
});
