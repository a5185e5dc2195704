// The demo end to end at a reduced size, through the built CLI, with the outputs checked by readers
// no one here wrote (delta-rs) and reruns checked for idempotence.
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cvc, project, python } from './helpers.js';

const STORES = 8;
let p: { dir: string; config: string };
let summary: Record<string, any>;

function deltaRead(table: string, code: string): Promise<string> {
  return python(`
import json
from deltalake import DeltaTable
dt = DeltaTable(${JSON.stringify(table)})
df = dt.to_pandas()
${code}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) =>
    statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)) : [join(dir, f)],
  );
}

describe('cvc demo (reduced)', () => {
  beforeAll(async () => {
    // All three models, with budgets small enough for CI: this is the pipeline, not a benchmark.
    p = project(
      `demo: { stores: ${STORES}, asOf: "2025-06-30" }\nbacktest: { folds: 2, models: [lgbm, nbeats, tft] }\n` +
        'models:\n  lgbm: { numOrigins: 16, numBoostRound: 120 }\n' +
        '  nbeats: { epochs: 2, windowsPerEpoch: 512, fineTuneEpochs: 1, warmStart: true }\n' +
        '  tft: { epochs: 1, windowsPerEpoch: 512, fineTuneEpochs: 1, warmStart: true }\n',
    );
    // --days 0: the simulated days are checked by demo-daily.e2e.test.ts; here infer's table holds one as-of date.
    const r = await cvc(['--config', p.config, '--json', 'demo', '--days', '0']);
    if (r.code !== 0) throw new Error(`demo failed (${r.code}): ${r.stderr.slice(-2000)}`);
    summary = JSON.parse(r.stdout) as Record<string, any>;
  }, 900_000);

  it('runs all four steps and reports where the outputs are', () => {
    expect(summary['ingest'].rowsRead).toBeGreaterThan(STORES * 300);
    expect(summary['ingest'].rowsQuarantined).toBeGreaterThan(0);
    expect(summary['backtest'].failures).toEqual([]);
    expect(summary['backtest'].leaderboard.map((l: { model: string }) => l.model).sort()).toEqual([
      'ets',
      'lgbm',
      'nbeats',
      'seasonal_naive',
      'tft',
      'weekday_mean',
    ]);
    expect(readFileSync(summary['backtest'].report, 'utf8')).toContain('data-chart="wape-by-horizon"');
    expect(summary['train'].version).toBe(1);
    expect(summary['infer'].rows).toBe(summary['infer'].storesForecast * 35);
  });

  it('forecasts exactly the stores open and fresh on the as-of date by the tables, and skips the rest', async () => {
    // From the demo's own feature and stores tables: a store is forecast when it has a row on the as-of
    // date, a known sales day within infer.staleDays (7) of it and no closing before the next day.
    const lake = dirname(summary['infer'].table as string);
    const out = await python(`
import json
from datetime import date, timedelta
from deltalake import DeltaTable
f = DeltaTable(${JSON.stringify(join(lake, 'features'))}).to_pandas()
st = DeltaTable(${JSON.stringify(join(lake, 'stores'))}).to_pandas()
as_of = date(2025, 6, 30)
closed = {r.store_id for r in st.itertuples() if r.closed_on is not None and str(r.closed_on) != 'NaT'
          and date.fromisoformat(str(r.closed_on)[:10]) <= as_of + timedelta(days=1)}
known = f[(~f.is_missing) & f.sales.notna()]
fresh = {s for s, d in known.groupby('store_id').date.max().items()
         if (as_of - d.date() if hasattr(d, 'date') else as_of - d).days <= 7}
on_day = set(f[f.date.astype(str).str[:10] == as_of.isoformat()].store_id)
expected = sorted((on_day & fresh) - closed)
print(json.dumps({"all": sorted(set(f.store_id)), "expected": expected}))`);
    const t = JSON.parse(out) as { all: string[]; expected: string[] };
    const forecast = JSON.parse(
      await deltaRead(summary['infer'].table, 'print(json.dumps(sorted(set(df.store_id))))'),
    ) as string[];
    const skipped = (summary['infer'].skipped as { storeId: string }[]).map((s) => s.storeId).sort();
    expect(t.expected.length).toBeGreaterThan(STORES / 2);
    expect(forecast).toEqual(t.expected);
    expect(summary['infer'].storesForecast).toBe(t.expected.length);
    expect([...forecast, ...skipped].sort()).toEqual(t.all);
  });

  it('writes bip_vprevisao_lojas_futuro that delta-rs reads: stores x horizon rows, p10 <= p50 <= p90', async () => {
    const out = await deltaRead(
      summary['infer'].table,
      `
print(json.dumps({"rows": len(df), "stores": int(df.store_id.nunique()),
  "h": sorted(df.horizon_day.unique().tolist())[-1],
  "ordered": bool(((df.yhat_lower <= df.yhat + 1e-9) & (df.yhat <= df.yhat_upper + 1e-9)).all()),
  "cols": list(df.columns), "version": dt.version()}))`,
    );
    const r = JSON.parse(out) as { rows: number; stores: number; h: number; ordered: boolean; cols: string[] };
    expect(r.rows).toBe(summary['infer'].storesForecast * 35);
    expect(r.stores).toBe(summary['infer'].storesForecast);
    expect(r.h).toBe(35);
    expect(r.ordered).toBe(true);
    expect(r.cols).toEqual([
      'store_id',
      'forecast_date',
      'horizon_day',
      'as_of_date',
      'yhat',
      'yhat_lower',
      'yhat_upper',
      'model',
      'bundle_version',
      'run_id',
      'created_at',
    ]);
  });

  it('reruns infer idempotently: the same rows, a new run id, one commit', async () => {
    const again = await cvc(['--config', p.config, '--json', 'infer', '--horizon', '35']);
    expect(again.code).toBe(0);
    const s = JSON.parse(again.stdout) as { runId: string; rows: number; tableVersion: number };
    expect(s.runId).not.toBe(summary['infer'].runId);
    expect(s.tableVersion).toBe(summary['infer'].tableVersion + 1);
    const out = await deltaRead(
      summary['infer'].table,
      `print(json.dumps({"rows": len(df), "runs": df.run_id.unique().tolist()}))`,
    );
    const r = JSON.parse(out) as { rows: number; runs: string[] };
    expect(r.rows).toBe(summary['infer'].rows);
    expect(r.runs).toEqual([s.runId]);
  });

  it('shows a store forecast beside its history', async () => {
    const r = await cvc(['--config', p.config, 'forecast', 'show', '--store', '1', '--svg', join(p.dir, 's.svg')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/store 1: forecast as of 2025-06-30/);
    expect(readFileSync(join(p.dir, 's.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('refuses a tampered bundle with exit 2 and leaves the table as it was', async () => {
    const bundleDir = summary['train'].bundleDir as string;
    const model =
      filesUnder(join(bundleDir, 'models')).find((f) => !f.endsWith('.json')) ??
      filesUnder(join(bundleDir, 'models'))[0]!;
    const bytes = readFileSync(model);
    bytes[bytes.length - 2] ^= 1; // same size, one bit flipped
    writeFileSync(model, bytes);
    const before = (await deltaRead(summary['infer'].table, 'print(dt.version())')).trim();
    const r = await cvc(['--config', p.config, 'infer']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sha256 [0-9a-f]{64} does not match the manifest/);
    expect((await deltaRead(summary['infer'].table, 'print(dt.version())')).trim()).toBe(before);
  });
});
