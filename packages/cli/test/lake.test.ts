// `cvc lake` through the built CLI on a small demo lake: history, describe, optimize, vacuum (its
// retention guard exits 2, --dry-run deletes nothing), and bad table names exit 2 with one line.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cvc, project, python } from './helpers.js';

describe('cvc lake', () => {
  const p = project(
    'source: { kind: duckdb, duckdb: { path: ../data/demo/source.duckdb } }\nlake: { root: ../data/lake }\n',
  );
  const run = (...args: string[]) => cvc(['--config', p.config, ...args]);
  const json = async (...args: string[]) => {
    const r = await run('--json', ...args);
    if (r.code !== 0) throw new Error(`cvc ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, any>;
  };
  const features = join(p.dir, 'data', 'lake', 'features');

  beforeAll(async () => {
    for (const args of [
      ['demo', 'init', '--stores', '6', '--from', '2025-01-01', '--as-of', '2025-03-31'],
      ['ingest'],
    ]) {
      const r = await run(...args);
      if (r.code !== 0) throw new Error(`cvc ${args.join(' ')} failed: ${r.stderr}`);
    }
    // A second full load removes the first one's files: something for vacuum to consider.
    expect((await run('ingest', '--full')).code).toBe(0);
  });

  it('history and describe', async () => {
    const h = await json('lake', 'history', 'features');
    expect(h['history'].map((e: { operation: string }) => e.operation)).toContain('WRITE');
    expect(h['history'][0].version).toBeGreaterThan(h['history'].at(-1).version);
    expect((await run('lake', 'history', 'features')).stdout).toMatch(/version\s+timestamp\s+operation/);
    const d = await json('lake', 'describe', 'features');
    expect(d).toMatchObject({ table: 'features', clusteringColumns: ['store_id', 'date'] });
    expect(d['files']).toBeGreaterThan(0);
    expect(d['clusteredFiles']).toBe(d['files']);
    expect(d['rows']).toBeGreaterThan(6 * 80);
    expect(d['schema'].map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['store_id', 'date', 'sales']),
    );
    expect(d['versions']).toBe(h['history'].length);
    // By configured name too.
    expect((await json('lake', 'describe', 'state_holidays'))['table']).toBe('state_holidays');
  });

  it('optimize has nothing to redo after a clustered write', async () => {
    const o = await json('lake', 'optimize', 'features');
    expect(o['tables']).toEqual([expect.objectContaining({ table: 'features', filesRemoved: 0 })]);
    expect((await json('lake', 'optimize'))['tables'].length).toBeGreaterThanOrEqual(5);
  });

  it('vacuum: refuses a short retention without --force, dry run lists and keeps, delta-rs reads after', async () => {
    const short = await run('lake', 'vacuum', 'features', '--retain-hours', '1');
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/--retain-hours 1 is below the safe minimum of 168 hours; pass --force/);
    const before = readdirSync(features)
      .filter((f) => f.endsWith('.parquet'))
      .sort();
    const dry = await json('lake', 'vacuum', 'features', '--retain-hours', '0', '--force', '--dry-run');
    expect(dry['tables'][0].deleted.length).toBeGreaterThan(0);
    expect(
      readdirSync(features)
        .filter((f) => f.endsWith('.parquet'))
        .sort(),
    ).toEqual(before);
    const kept = await json('lake', 'vacuum', 'features');
    expect(kept['tables'][0].deleted).toEqual([]); // everything is inside the default 168 h
    const done = await json('lake', 'vacuum', 'features', '--retain-hours', '0', '--force');
    expect(done['tables'][0].deleted).toEqual(dry['tables'][0].deleted);
    const n = await python(
      'import json\nfrom deltalake import DeltaTable\n' +
        `print(json.dumps(DeltaTable(${JSON.stringify(features)}).to_pyarrow_table().num_rows))`,
    );
    expect(Number(n.trim())).toBe((await json('lake', 'describe', 'features'))['rows']);
  });

  it('an unknown or missing table exits 2 with the known names', async () => {
    const r = await run('lake', 'describe', 'nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /unknown table "nope"; expected one of features, .*forecasts \(bip_vprevisao_lojas_futuro\)/,
    );
    const missing = await run('lake', 'history', 'forecasts');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist yet/);
  });
});
