// Store statics through the whole pipeline: the demo source's size_m2 (number) and assortment
// (category) -> ingest -> a LightGBM bundle whose manifest lists them with the category map -> infer.
// Infer encodes with the bundle's map (a new category that sorts before every known one leaves the
// other stores' forecasts unchanged) and refuses a lake without the statics (exit 2 naming the store).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { exitCodeOf, loadConfig, type LoadedConfig } from '@cvc/core';
import { writeDemoSource } from '@cvc/demo-source';
import { lakeTables, readForecastSet } from '@cvc/feature-table';
import { runInfer } from '@cvc/infer';
import { runIngest } from '@cvc/ingest';
import { readManifest } from '@cvc/mlops';
import { runTrain } from '@cvc/train';

const AS_OF = '2025-06-30';
const STATICS_YAML =
  'source: { storeColumns: { statics: [{ column: size_m2, kind: number }, ' +
  '{ column: assortment, kind: category }] } }\n';
let dir: string;
let loaded: LoadedConfig;
let bundleDir: string;

async function sql(path: string, text: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(path);
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(text)).getRowObjectsJS();
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

function configWith(yaml: string): LoadedConfig {
  const file = join(dir, 'configs', 'cvc.yaml');
  writeFileSync(
    file,
    `demo: { stores: 6, asOf: "${AS_OF}" }\ninfer: { staleDays: 7, lockTimeoutSec: 1 }\n` +
      `models: { lgbm: { numBoostRound: 30 } }\n${yaml}`,
  );
  return loadConfig(file);
}

/** p50 by store id of every store forecast as of AS_OF. */
async function forecasts(): Promise<Map<string, number[]>> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const out = new Map<string, number[]>();
    for (let id = 1; id <= 6; id++) {
      const set = await readForecastSet(conn, lakeTables(loaded).forecasts, String(id), AS_OF);
      if (set)
        out.set(
          String(id),
          set.days.map((d) => d.p50),
        );
    }
    return out;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cvc-statics-'));
  mkdirSync(join(dir, 'configs'));
  loaded = configWith(STATICS_YAML);
  await writeDemoSource({ path: loaded.paths.demoSource, stores: 6, asOf: AS_OF, seed: 42, badRows: 0 });
  await runIngest({ loaded });
  bundleDir = join(dir, 'bundle');
  await runTrain({ loaded, from: '2024-01-01', models: ['lgbm'], bundleDir });
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('store statics: ingest -> train -> infer', () => {
  it('the manifest lists the number statics and each category static with its code map', async () => {
    const m = await readManifest(bundleDir);
    expect(m.covariates?.numericStatics).toEqual(['size_m2']);
    const seen = await sql(loaded.paths.demoSource, 'SELECT DISTINCT assortment AS a FROM stores ORDER BY 1');
    expect(m.covariates?.statics['assortment']).toEqual(seen.map((r) => r['a']));
  });

  it('infer encodes with the stored map: a new category does not move the other stores', async () => {
    await runInfer({ loaded, bundleDir, bundleVersion: 'test', runId: 'r1' });
    const before = await forecasts();
    expect(before.size).toBeGreaterThan(2);
    const [changed, ...others] = [...before.keys()];
    // One store gets 'aaa', unseen at training: a map rebuilt from today's stores would recode every other.
    await sql(loaded.paths.demoSource, `UPDATE stores SET assortment = 'aaa' WHERE store_id = ${changed}`);
    await runIngest({ loaded });
    await runInfer({ loaded, bundleDir, bundleVersion: 'test', runId: 'r2' });
    const after = await forecasts();
    for (const id of others) expect(after.get(id)).toEqual(before.get(id));
    expect(after.get(changed!)!.every(Number.isFinite)).toBe(true);
  });

  it('a lake without the statics the bundle was trained with is refused: exit 2 naming store and static', async () => {
    const plain = configWith('');
    await runIngest({ loaded: plain, full: true });
    const err = await runInfer({ loaded: plain, bundleDir, bundleVersion: 'test', runId: 'r3' }).catch(
      (e: unknown) => e,
    );
    expect(exitCodeOf(err)).toBe(2);
    expect(String(err)).toMatch(/store \d+: the bundle was trained with static "assortment", static "size_m2"/);
  });
});
