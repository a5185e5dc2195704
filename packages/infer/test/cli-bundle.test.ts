// `cvc infer --bundle <dir>` through the built CLI (run `npx pnpm@12.4.2 run build` first) on a real
// LightGBM bundle whose model file was damaged and re-hashed in manifest.json, so the integrity check
// passes and the model text itself is what must be refused: exit 2 naming the file, no crash
// signal, nothing from LightGBM on stdout.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processStartTicks } from '@cvc/core';
import { LgbmForecaster } from '@cvc/models';
import { exportBundle, signBundle, writeBundle } from '@cvc/mlops';
import { lgbmSynthetic } from '../../../bench/lgbm-synthetic.js';
import { runChild } from '../../../test-support/child.js';

export const CLI = resolve(__dirname, '../../cli/dist/bin.js');
const root = mkdtempSync(join(tmpdir(), 'cvc-badbundle-'));
const good = join(root, 'good');
let modelFile = '';
afterAll(() => {
  if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
});

function cvc(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return runChild(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env } });
}

beforeAll(async () => {
  const data = lgbmSynthetic({ stores: 8, days: 600, extraDays: 7, seed: 5 });
  const params = { numOrigins: 12, numBoostRound: 60, learningRate: 0.03, minDataInLeaf: 10, numLeaves: 15 };
  const model = new LgbmForecaster(params);
  await model.fit(data.history, { horizon: 7, contextLength: 60, seed: 1 });
  await writeBundle(good, {
    models: new Map([['lgbm', model]]),
    routing: { stores: {}, fallback: 'lgbm' },
    horizon: 7,
    context: 60,
    trainingWindow: { from: '2020-01-06', to: '2021-05-20' },
    lineage: { featureTable: 'synthetic', deltaVersion: 0 },
    configHash: 'test',
    backtest: { wape: null },
  });
  modelFile = readdirSync(join(good, 'models', 'lgbm')).find((f) => f.endsWith('.txt'))!;
  // Enough trees that half the file cuts into them.
  const text = readFileSync(join(good, 'models', 'lgbm', modelFile), 'utf8');
  expect(text.indexOf('end of trees')).toBeGreaterThan(text.length * 0.6);
  mkdirSync(join(root, 'configs'));
  writeFileSync(join(root, 'configs', 'cvc.yaml'), 'infer: { lockTimeoutSec: 1 }\n');
}, 300_000);

/** A copy of the good bundle with its model file changed by `damage` and re-hashed in manifest.json. */
function damaged(name: string, damage: (text: Buffer) => Buffer): string {
  const dir = join(root, name);
  cpSync(good, dir, { recursive: true });
  const rel = `models/lgbm/${modelFile}`;
  const file = join(dir, rel);
  const bytes = damage(readFileSync(file));
  writeFileSync(file, bytes);
  type Manifest = { files: { path: string; sha256: string; bytes: number }[] };
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const entry = manifest.files.find((f) => f.path === rel)!;
  entry.sha256 = createHash('sha256').update(bytes).digest('hex');
  entry.bytes = bytes.length;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

const cases: [string, (b: Buffer) => Buffer][] = [
  ['truncated to half', (b) => b.subarray(0, Math.floor(b.length / 2))],
  [
    'flipped bytes in a tree',
    (b) => {
      const out = Buffer.from(b);
      const at = out.indexOf('\nTree=2\n') + 50;
      for (let k = 0; k < 6; k++) out[at + k] = out[at + k]! ^ 0x33;
      return out;
    },
  ],
  ['missing end marker', (b) => Buffer.from(b.toString('utf8').replace('end of trees', ''))],
];

describe('cvc infer --bundle with a damaged LightGBM model', () => {
  for (const [name, damage] of cases) {
    it(`${name}: exit 2 naming the file, no signal, nothing on stdout`, async () => {
      const dir = damaged(name.replaceAll(' ', '-'), damage);
      const r = await cvc(root, ['infer', '--horizon', '7', '--bundle', dir]);
      expect(r.signal).toBeNull();
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(join(dir, 'models', 'lgbm', modelFile));
      expect(r.stderr).toContain('model "lgbm" could not be loaded: ');
      expect(r.stderr).not.toContain('[LightGBM]');
    });
  }
});

describe('cvc infer --bundle x.tar.gz temp files', () => {
  it('removes its extracted copy on exit and sweeps those of dead runs, keeping live ones', async () => {
    const tmp = join(root, 'tmp');
    mkdirSync(tmp);
    const archive = join(root, 'bundle.tar.gz');
    await exportBundle(good, archive);
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const leftover = (name: string, owner?: object, ageSec = 0) => {
        const dir = join(tmp, `cvc-bundle-${name}`);
        mkdirSync(join(dir, 'bundle', 'models'), { recursive: true });
        writeFileSync(join(dir, 'bundle', 'models', 'model.txt'), 'x'.repeat(1000));
        if (owner) writeFileSync(join(dir, 'owner.json'), JSON.stringify(owner));
        const t = new Date(Date.now() - ageSec * 1000);
        utimesSync(dir, t, t);
        return dir;
      };
      const dead = leftover('dead', { pid: 2 ** 22 + 4321, start: 1 });
      const reused = leftover('reused', { pid: sleeper.pid, start: processStartTicks(sleeper.pid!)! + 5 });
      const live = leftover('live', { pid: sleeper.pid, start: processStartTicks(sleeper.pid!) });
      const oldOrphan = leftover('old', undefined, 2 * 3600);
      const newOrphan = leftover('new');
      // The lake is empty, so the run ends (exit 2) after the bundle was extracted and loaded.
      const r = await cvc(root, ['infer', '--horizon', '7', '--bundle', archive], { TMPDIR: tmp });
      expect(r.stderr).toContain('feature table');
      expect(r.status).toBe(2);
      expect([dead, reused, oldOrphan].filter(existsSync)).toEqual([]);
      expect([live, newOrphan].filter(existsSync)).toEqual([live, newOrphan]);
      expect(readdirSync(tmp).sort()).toEqual(['cvc-bundle-live', 'cvc-bundle-new']);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});

describe('cvc infer with registry.signingKey', () => {
  it('refuses an unsigned or wrongly signed bundle (exit 2), runs a signed one, never prints the key', async () => {
    const key = 'Cron-Signing-Key-55aa77bb';
    const cwd = join(root, 'signed-world');
    mkdirSync(join(cwd, 'configs'), { recursive: true });
    writeFileSync(join(cwd, 'configs', 'cvc.yaml'), 'registry: { signingKey: "${CVC_SIGNING_KEY}" }\n');
    const signed = join(root, 'signed');
    cpSync(good, signed, { recursive: true });
    await signBundle(signed, key);
    const wrong = join(root, 'wrongly-signed');
    cpSync(good, wrong, { recursive: true });
    await signBundle(wrong, 'some-other-key-1234567');
    const run = (dir: string) => cvc(cwd, ['infer', '--horizon', '7', '--bundle', dir], { CVC_SIGNING_KEY: key });
    const refused = [
      [good, 'missing: the bundle is unsigned'],
      [wrong, 'does not match registry.signingKey'],
    ] as const;
    for (const [dir, why] of refused) {
      const r = await run(dir);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`${join(dir, 'manifest.sig')}: ${why}`);
      expect(r.stdout + r.stderr).not.toContain(key);
    }
    const ok = await run(signed);
    expect(ok.stderr).toContain('feature table'); // past the bundle checks, stopped by the empty lake
    expect(ok.stdout + ok.stderr).not.toContain(key);
    // Without a key the unsigned bundle is accepted, as before.
    expect((await cvc(root, ['infer', '--horizon', '7', '--bundle', good])).stderr).toContain('feature table');
  });
});
