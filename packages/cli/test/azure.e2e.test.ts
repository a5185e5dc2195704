// `cvc demo` with lake.root on Azure (Azurite on a free loopback port): every Delta table lands in
// the emulator, none on local disk, delta-rs reads the forecasts from there, and the connection
// string never reaches the output. Registry and tracking (roots left unset) live under the lake in
// the emulator too: train registers there, a later `cvc infer` resolves the alias from Azurite.

import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_KEY, listBlobNames, startAzurite, type Azurite } from '../../lakehouse/test/backends.js';
import { storageFor } from '@cvc/lakehouse';
import { cvc, project, python } from './helpers.js';

const WRONG_KEY = Buffer.from('a wrong key, secret all the same').toString('base64');
let azurite: Azurite;
let p: { dir: string; config: string };
let env: NodeJS.ProcessEnv;
let run: { code: number; stdout: string; stderr: string };

describe('cvc demo on Azurite', () => {
  beforeAll(async () => {
    azurite = await startAzurite();
    p = project(
      'demo: { stores: 4, asOf: "2025-06-30" }\nbacktest: { folds: 1, models: [lgbm] }\n' +
        'models:\n  lgbm: { numOrigins: 4, numBoostRound: 40 }\n' +
        'lake:\n  root: az://cvclake/demo/lake\n  localDir: ../work\n',
    );
    env = { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, CVC_LAKE_CACHE: join(p.dir, 'cache') };
    run = await cvc(['--config', p.config, '--json', 'demo', '--days', '1'], { env });
  }, 900_000);
  afterAll(async () => {
    await azurite.stop();
  });

  it('runs every step; the Delta tables are blobs in the container, none on local disk', async () => {
    if (run.code !== 0) throw new Error(`demo failed (${run.code}): ${run.stderr.slice(-2000)}`);
    const s = JSON.parse(run.stdout) as Record<string, any>;
    expect(s['infer'].table).toBe('az://cvclake/demo/lake/bip_vprevisao_lojas_futuro');
    expect(s['infer'].rows).toBe(s['infer'].storesForecast * 35);
    expect(s['daily'].map((d: { exitCode: number }) => d.exitCode)).toEqual([0]);
    const tables = new Set<string>();
    for (const name of await listBlobNames(azurite.connectionString, 'cvclake', 'demo/lake/')) {
      const m = /^demo\/lake\/([^/]+)\/_delta_log\/0+\.json$/.exec(name);
      if (m) tables.add(m[1]!);
    }
    for (const t of [
      'features',
      'quarantine',
      'stores',
      'backtest_forecasts',
      'backtest_metrics',
      'model_choice',
      'bip_vprevisao_lojas_futuro',
    ])
      expect(tables).toContain(t);
    // Local disk holds the demo source, the work dir (reports, cache), registry and tracking (their own
    // roots): no lake, no 'az:' dir.
    expect(existsSync(join(p.dir, 'data', 'lake'))).toBe(false);
    expect(existsSync(join(p.dir, 'data', 'demo', 'source.duckdb'))).toBe(true);
    expect(readdirSync(p.dir).filter((f) => f.startsWith('az'))).toEqual([]);
    expect(readdirSync(join(p.dir, 'work', 'reports')).some((f) => f.startsWith('backtest-'))).toBe(true);
  });

  it('keeps the registry and tracking artifacts in Azurite; a later infer resolves the alias there', async () => {
    const blobs = await listBlobNames(azurite.connectionString, 'cvclake', 'demo/lake/_');
    expect(blobs).toContain('demo/lake/_registry/cvc-forecaster/versions/1.json');
    expect(blobs.some((b) => /^demo\/lake\/_registry\/cvc-forecaster\/state\/\d{12}\.json$/.test(b))).toBe(true);
    expect(blobs.some((b) => b.startsWith('demo/lake/_registry/cvc-forecaster/bundles/'))).toBe(true);
    expect(blobs.some((b) => /^demo\/lake\/_tracking\/artifacts\/[0-9a-f]{32}\/bundle\/manifest\.json$/.test(b))).toBe(
      true,
    );
    expect(existsSync(join(p.dir, 'data', 'registry'))).toBe(false);
    expect(existsSync(join(p.dir, 'data', 'tracking'))).toBe(false);
    const models = await cvc(['--config', p.config, '--json', 'models', 'list'], { env });
    expect(models.code).toBe(0);
    const listed = JSON.parse(models.stdout) as { backend: string; versions: { version: number; aliases: string[] }[] };
    expect(listed.backend).toBe('azure');
    const champion = listed.versions.find((v) => v.aliases.includes('champion'))!.version;
    const infer = await cvc(['--config', p.config, '--json', 'infer'], { env });
    if (infer.code !== 0) throw new Error(`infer failed (${infer.code}): ${infer.stderr.slice(-2000)}`);
    expect((JSON.parse(infer.stdout) as { bundleVersion: string }).bundleVersion).toBe(String(champion));
    // The bundle infer loaded is a verified download in the local work dir.
    expect(readdirSync(join(p.dir, 'work', 'registry-cache', 'cvc-forecaster')).length).toBeGreaterThan(0);
    // `cvc runs list` reads the tracking tables from the emulator; the train run is there.
    const runs = await cvc(['--config', p.config, '--json', 'runs', 'list'], { env });
    expect(runs.code).toBe(0);
    const names = (JSON.parse(runs.stdout) as { runs: { name: string; status: string }[] }).runs;
    expect(names.some((r) => r.name.startsWith('train ') && r.status === 'FINISHED')).toBe(true);
    expect(`${models.stdout}${models.stderr}${infer.stdout}${infer.stderr}${runs.stdout}`).not.toContain(DEV_KEY);
  }, 600_000);

  it('`cvc models gc` removes an upload no version claims once past the grace period, and no claimed one', async () => {
    const orphan = '00000000-0000-4000-8000-000000000000';
    process.env['AZURE_STORAGE_CONNECTION_STRING'] = azurite.connectionString;
    try {
      await storageFor('az://cvclake/demo/lake/_registry').put(`cvc-forecaster/bundles/${orphan}/manifest.json`, '{}');
    } finally {
      delete process.env['AZURE_STORAGE_CONNECTION_STRING'];
    }
    const gc = async (hours: string) => {
      const r = await cvc(['--config', p.config, '--json', 'models', 'gc', '--grace-hours', hours], { env });
      if (r.code !== 0) throw new Error(`models gc failed (${r.code}): ${r.stderr.slice(-2000)}`);
      return JSON.parse(r.stdout) as { collected: string[]; young: string[] };
    };
    expect(await gc('24')).toMatchObject({ collected: [], young: [orphan] });
    expect(await gc('0')).toMatchObject({ collected: [orphan], young: [] });
    const blobs = await listBlobNames(
      azurite.connectionString,
      'cvclake',
      'demo/lake/_registry/cvc-forecaster/bundles/',
    );
    expect(blobs.some((b) => b.includes(orphan))).toBe(false);
    expect(blobs.some((b) => b.endsWith('/manifest.json'))).toBe(true);
    // The champion downloads again whole into an empty cache.
    rmSync(join(p.dir, 'work', 'registry-cache'), { recursive: true, force: true });
    const infer = await cvc(['--config', p.config, '--json', 'infer'], { env });
    expect(infer.code).toBe(0);
    // A local registry has nothing of the kind: exit 2 saying where gc applies.
    const local = project('demo: { stores: 4 }\n');
    const refused = await cvc(['--config', local.config, 'models', 'gc']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/works on a registry on Azure storage .*this one is local/);
  }, 600_000);

  it('delta-rs reads the forecasts from Azurite', async () => {
    const s = JSON.parse(run.stdout) as Record<string, any>;
    const opts = {
      account_name: 'devstoreaccount1',
      account_key: DEV_KEY,
      endpoint: azurite.blobEndpoint,
      allow_http: 'true',
    };
    const out = await python(`
import json
from deltalake import DeltaTable
dt = DeltaTable("az://cvclake/demo/lake/bip_vprevisao_lojas_futuro", storage_options=${JSON.stringify(opts)})
df = dt.to_pandas()
print(json.dumps({"rows": len(df), "stores": int(df.store_id.nunique())}))`);
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { rows: number; stores: number };
    expect(r.stores).toBe(s['infer'].storesForecast);
    expect(r.rows).toBeGreaterThanOrEqual(s['infer'].rows);
  });

  it('never prints the account key', async () => {
    expect(`${run.stdout}${run.stderr}`).not.toContain(DEV_KEY);
    const bad = await cvc(['--config', p.config, 'forecast', 'show', '--store', '1'], {
      env: { ...env, AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString.replace(DEV_KEY, WRONG_KEY) },
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/HTTP 403/);
    expect(`${bad.stdout}${bad.stderr}`).not.toContain(WRONG_KEY);
  });
});
