// What a person reads: every main command's --help, the messages of a first run in the wrong order,
// and a small demo's summary, kept as plain-text file snapshots under test/snapshots/ for review.
// Paths, run ids, times and timestamps are replaced by <placeholders>; the demo backtests only the
// baselines, which are deterministic, so its figures are real. Runs from dist/ (build first).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { append, scanSql } from '@cvc/lakehouse';
import { cvc, project } from './helpers.js';

const snap = (name: string) => join(__dirname, 'snapshots', `${name}.txt`);

function normalize(text: string, dir?: string): string {
  let out = text;
  if (dir) out = out.split(dir).join('<project>');
  return out
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<run-id>')
    .replace(/\b[0-9a-f]{32}\b/g, '<tracking-run-id>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<timestamp>')
    .replace(/\d+\.\d s\b/g, '<s> s')
    .replace(/node \S*bin\.js/g, 'node <bin>');
}

describe('cvc --help', () => {
  const pages: [string, string[]][] = [
    ['help-cvc', ['--help']],
    ['help-backtest', ['backtest', '--help']],
    ['help-train', ['train', '--help']],
    ['help-infer', ['infer', '--help']],
    ['help-demo', ['demo', '--help']],
    ['help-forecast-show', ['forecast', 'show', '--help']],
    ['help-models-list', ['models', 'list', '--help']],
  ];
  it.each(pages)('%s', async (name, args) => {
    const r = await cvc(args);
    expect(r.code).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot(snap(name));
  });
});

describe('messages of a first run in the wrong order', () => {
  const p = project('lake:\n  root: ../data/lake\n');
  const run = async (args: string[]) => {
    const r = await cvc(['--config', p.config, ...args]);
    return `$ cvc ${args.join(' ')}\nexit ${r.code}\n${normalize(r.stdout + r.stderr, p.dir)}`;
  };
  it('says what to run next', async () => {
    const parts: string[] = [];
    // In order: each is what a new user might type next.
    const steps = [
      ['infer'],
      ['forecast', 'show', '--store', '1'],
      ['models', 'list'],
      ['train'],
      ['backtest'],
      ['runs', 'show', 'abc1234'],
    ];
    for (const args of steps) parts.push(await run(args));
    const text = parts.join('\n');
    const hints = ['run `cvc train` first', 'run `cvc infer` first', 'pass --from', 'run `cvc ingest` first'];
    for (const hint of [...hints, 'run `cvc backtest` or `cvc demo` first']) expect(text).toContain(hint);
    await expect(text).toMatchFileSnapshot(snap('first-run-messages'));
  });
});

describe('a small demo, then forecast show and models list', () => {
  const p = project(`lake:
  root: ../data/lake
demo: { stores: 4, from: "2024-01-01", asOf: "2025-06-30", trainFrom: "2024" }
train: { from: "2024" }
backtest: { models: [], folds: 2, minHistory: 60 }
ui: { locale: en-US }
`);
  let demo = '';
  beforeAll(async () => {
    mkdirSync(join(p.dir, 'data'), { recursive: true });
    const r = await cvc(['--config', p.config, '--log-level', 'warn', 'demo', '--days', '0'], { cwd: p.dir });
    expect(r.code, r.stderr).toBe(0);
    demo = normalize(r.stdout, p.dir);
  }, 300_000);

  it('prints the leaderboard and a command that runs from here', async () => {
    expect(demo).toMatch(/model +WAPE +stores chosen/);
    expect(demo).toContain('try: node <bin> --config <project>/configs/cvc.yaml forecast show --store 1');
    expect(demo).not.toContain('pnpm');
    await expect(demo).toMatchFileSnapshot(snap('demo-summary'));
  });

  it('shows a forecast with weekly totals in the locale, and names a closed store', async () => {
    const show = await cvc(['--config', p.config, 'forecast', 'show', '--store', '2']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/weekly p10\/p90: /);
    // Store 2 closes for good: the stores table says so; its forecast is then refused with the reason.
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const stores = join(p.dir, 'data', 'lake', 'stores');
    await append(
      conn,
      stores,
      `SELECT * REPLACE ('77' AS store_id, DATE '2025-03-01' AS closed_on) FROM ${await scanSql(conn, stores)} s ` +
        `WHERE store_id = '2'`,
    );
    conn.closeSync();
    db.closeSync();
    const closed = await cvc(['--config', p.config, 'forecast', 'show', '--store', '77']);
    const unknown = await cvc(['--config', p.config, 'forecast', 'show', '--store', '999']);
    // A second version, not promoted: models list shows it first.
    const again = await cvc(['--config', p.config, '--log-level', 'warn', 'train', '--promote', 'manual']);
    expect(again.code, again.stderr).toBe(0);
    const models = await cvc(['--config', p.config, 'models', 'list']);
    const early = await cvc(['--config', p.config, 'forecast', 'show', '--store', '2', '--as-of', '2025-01-01']);
    const bundle = await cvc(['--config', p.config, 'infer', '--bundle', join(p.dir, 'no-bundle')]);
    const version = await cvc(['--config', p.config, 'infer', '--version', '9']);
    const run = await cvc(['--config', p.config, 'runs', 'show', 'ffffffffff']);
    const svg = await cvc([
      '--config',
      p.config,
      'forecast',
      'show',
      '--store',
      '2',
      '--svg',
      join(p.dir, 'no', 'x.svg'),
    ]);
    expect(run.stderr).toContain('see `cvc runs list`');
    expect(svg.code).toBe(2);
    expect(closed.code).toBe(2);
    expect(models.stdout).toMatch(/\n +2 .*\n +1 .*champion/);
    expect(closed.stderr).toContain('--store 77: the store closed on 2025-03-01; closed stores get no forecast');
    const text = [
      `$ cvc forecast show --store 2\n${show.stdout}`,
      `$ cvc forecast show --store 77\nexit ${closed.code}\n${closed.stderr}`,
      `$ cvc forecast show --store 999\nexit ${unknown.code}\n${unknown.stderr}`,
      `$ cvc models list\n${models.stdout}`,
      `$ cvc forecast show --store 2 --as-of 2025-01-01\nexit ${early.code}\n${early.stderr}`,
      `$ cvc infer --bundle <project>/no-bundle\nexit ${bundle.code}\n${bundle.stderr}`,
      `$ cvc infer --version 9\nexit ${version.code}\n${version.stderr}`,
      `$ cvc runs show ffffffffff\nexit ${run.code}\n${run.stderr}`,
      `$ cvc forecast show --store 2 --svg <project>/no/x.svg\nexit ${svg.code}\n${svg.stderr}`,
    ].join('\n');
    await expect(normalize(text, p.dir)).toMatchFileSnapshot(snap('after-demo'));
  });

  it('formats money and percentages in ui.locale or the environment', async () => {
    const pt = project(
      `lake:\n  root: ${join(p.dir, 'data', 'lake')}\nui: { locale: pt-BR }\n` +
        `registry: { root: ${join(p.dir, 'data', 'registry')} }\n`,
    );
    const show = await cvc(['--config', pt.config, 'forecast', 'show', '--store', '2']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/p50 R\$ \d{1,3}(\.\d{3})+ /);
    const env = project(
      `lake:\n  root: ${join(p.dir, 'data', 'lake')}\nregistry: { root: ${join(p.dir, 'data', 'registry')} }\n`,
    );
    const models = await cvc(['--config', env.config, 'models', 'list'], {
      env: { LC_ALL: '', LC_NUMERIC: '', LANG: 'pt_BR.UTF-8' },
    });
    expect(models.stdout).toMatch(/\d+,\d%/);
  });
});
