// Bad usage, config and input: one line naming the problem, exit 2, no stack trace.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cvc, project } from './helpers.js';

function expectOneLine(stderr: string, pattern: RegExp) {
  expect(stderr).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('cvc usage errors', () => {
  it('explains every command and flag with its default', async () => {
    const top = await cvc(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['ingest', 'backtest', 'train', 'infer', 'demo']) expect(top.stdout).toContain(c);
    const infer = await cvc(['infer', '--help']);
    expect(infer.code).toBe(0);
    expect(infer.stdout).toContain('--horizon');
    expect(infer.stdout).toMatch(/Exit codes: 0/);
    expect((await cvc(['demo', '--help'])).stdout).toContain('default: config demo.stores, 150');
  });

  it('exits 2 on an unknown command or flag, or a bad flag value', async () => {
    expect((await cvc(['bogus'])).code).toBe(2);
    const flag = await cvc(['ingest', '--nope']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--nope'");
    const value = await cvc(['backtest', '--folds', 'zero']);
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('--folds expects a positive integer, got "zero"');
    expect((await cvc(['backtest', '--models', 'lgbm,prophet'])).code).toBe(2);
  });

  it('exits 2 with one line for a missing config, invalid YAML and a schema violation', async () => {
    const missing = await cvc(['--config', '/nowhere/cvc.yaml', 'ingest']);
    expect(missing.code).toBe(2);
    expectOneLine(missing.stderr, /cvc: \/nowhere\/cvc\.yaml: config file not found/);
    const yaml = project('forecast: [1,\n');
    const bad = await cvc(['--config', yaml.config, 'ingest']);
    expect(bad.code).toBe(2);
    expectOneLine(bad.stderr, /invalid YAML at line/);
    const schema = project('forecast:\n  horizon: -3\n');
    const s = await cvc(['--config', schema.config, 'ingest']);
    expect(s.code).toBe(2);
    expectOneLine(s.stderr, /forecast\.horizon: expected .*found -3/);
  });

  it("exits 2 naming the key for a typo in a model's section, checked by the model registry", async () => {
    const typo = project('models:\n  tft: { epochz: 3 }\n');
    const r = await cvc(['--config', typo.config, 'ingest']);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /models\.tft\.epochz: expected no such key \(a typo\?\), found 3/);
    const kind = project('backtest:\n  models: [lgbm, lgbmm]\n');
    const k = await cvc(['--config', kind.config, 'backtest']);
    expect(k.code).toBe(2);
    expectOneLine(k.stderr, /backtest\.models\.1: expected a model kind \(.*lgbm.*\), found "lgbmm"/);
  });

  it('exits 2 for an unwritable data directory', async () => {
    const p = project('lake:\n  root: /dev/null/lake\n');
    const r = await cvc(['--config', p.config, 'ingest']);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /data directory \/dev\/null .*is not writable/);
  });

  it('prints a stack trace only with --log-level debug', async () => {
    const p = project('lake:\n  root: ../data/lake\n');
    const r = await cvc(['--config', p.config, '--log-level', 'debug', 'backtest']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the feature table does not exist; run `cvc ingest` first/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('cvc flags and config values, as the README shows them', () => {
  it('demo init honours its own --stores, --seed and --force (not the parent demo command)', async () => {
    const p = project('demo: { stores: 5, from: "2025-01-01", asOf: "2025-02-28" }\n');
    const first = await cvc(['--config', p.config, '--json', 'demo', 'init', '--stores', '4', '--seed', '7']);
    expect(first.code, first.stderr).toBe(0);
    const again = await cvc([
      '--config',
      p.config,
      '--json',
      'demo',
      'init',
      '--stores',
      '3',
      '--seed',
      '7',
      '--force',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ stores: 3, written: true });
    // Count the stores in the written source itself, with DuckDB.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(join(p.dir, 'data', 'demo', 'source.duckdb'), { access_mode: 'READ_ONLY' });
    const conn = await db.connect();
    const sql = 'SELECT count(*)::INT AS n, count(DISTINCT store_id)::INT AS d FROM stores';
    const rows = (await conn.runAndReadAll(sql)).getRowObjectsJS();
    conn.closeSync();
    db.closeSync();
    expect(rows[0]).toEqual({ n: 3, d: 3 });
  });

  it('rejects impossible dates at parse time for every date flag, naming the flag', async () => {
    const cases = [
      ['ingest', '--from', '2021-02-30'],
      ['ingest', '--to', '2021-04-31'],
      ['infer', '--as-of', '2023-02-29'],
      ['forecast', 'show', '--store', '1', '--as-of', '2021-13-01'],
      ['demo', '--from', '2021-02-30'],
      ['demo', 'init', '--as-of', '2021-06-31'],
      ['train', '--from', '2021-02-30'],
      ['train', '--from', '2021', '--to', '2021-02-29'],
    ];
    // Side by side: each run only parses its flags, and one after another they outlast a test timeout under load.
    const runs = await Promise.all(cases.map((args) => cvc(['--config', '/nowhere/cvc.yaml', ...args])));
    for (const [i, args] of cases.entries()) {
      const r = runs[i]!;
      const flag = args[args.length - 2]!;
      expect(r.code, args.join(' ')).toBe(2);
      const value = args[args.length - 1];
      expect(r.stderr, args.join(' ')).toContain(`${flag} expects a real calendar day as YYYY-MM-DD, got "${value}"`);
    }
    const leapDay = await cvc(['--config', '/nowhere/cvc.yaml', 'ingest', '--from', '2024-02-29']);
    expect(leapDay.stderr).toContain('config file not found');
  });

  it('leaves no FAILED tracked run when train stops on bad usage', async () => {
    const p = project('demo: { stores: 3, from: "2025-01-01", asOf: "2025-03-31" }\n');
    for (const args of [['demo', 'init'], ['ingest']]) {
      expect((await cvc(['--config', p.config, '--log-level', 'warn', ...args])).code).toBe(0);
    }
    // An impossible day, a window after the data, --from after --to, and no backtest choice to train.
    const bad = [
      ['--from', '2021-02-30'],
      ['--from', '2026-01-01'],
      ['--from', '2025-03-01', '--to', '2025-02-01'],
      ['--from', '2025-01-01'],
    ];
    for (const args of bad) {
      const r = await cvc(['--config', p.config, '--log-level', 'warn', 'train', ...args]);
      expect(r.code, `train ${args.join(' ')}: ${r.stderr}`).toBe(2);
    }
    const runs = await cvc(['--config', p.config, '--json', 'runs', 'list', '--all']);
    expect(runs.code, runs.stderr).toBe(0);
    expect(JSON.parse(runs.stdout).runs).toEqual([]);
  }, 300_000);

  it('reads ${ENV} as a number or boolean where the config wants one, naming the key when it is not', async () => {
    const p = project('forecast:\n  horizon: ${CVC_HZ}\ningest:\n  strict: ${CVC_STRICT}\n');
    const ok = await cvc(['--config', p.config, '--json', 'runs', 'list'], {
      env: { CVC_HZ: '14', CVC_STRICT: 'true' },
    });
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await cvc(['--config', p.config, 'runs', 'list'], { env: { CVC_HZ: 'two weeks', CVC_STRICT: 'true' } });
    expect(bad.code).toBe(2);
    expectOneLine(bad.stderr, /forecast\.horizon: expected a number, found text from \$\{CVC_HZ\} that is not one/);
  });
});
