// Walk-forward WAPE of the neural models against lgbm and the baselines on a small demo, with each
// model's training figures (epochs, samples/s, fit seconds, whether the wall-time cap fired).
//   node --conditions=source --import tsx bench/neural-demo.ts [--stores 30] [--folds 3] [--models nbeats,tft,lgbm]
//   [--yaml 'models: { nbeats: { epochs: 10 } }']   (extra config lines, YAML)
// Needs the compiled packages (npx pnpm@12.4.2 run build): the chains run in worker threads.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../packages/core/src/index.js';
import { writeDemoSource } from '../packages/demo-source/src/index.js';
import { runIngest } from '../packages/ingest/src/index.js';
import { runBacktest } from '../packages/backtest/src/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const stores = Number(arg('stores', '30'));
const folds = Number(arg('folds', '3'));
const AS_OF = '2025-06-30';
const dir = mkdtempSync(join(tmpdir(), 'cvc-neural-demo-'));
mkdirSync(join(dir, 'configs'));
const file = join(dir, 'configs', 'cvc.yaml');
const yaml = `demo: { stores: ${stores}, asOf: "${AS_OF}" }\nbacktest: { folds: ${folds}, stride: 28 }\n`;
writeFileSync(file, `${yaml}${arg('yaml', '')}\n`);
const loaded = loadConfig(file);
await writeDemoSource({ path: loaded.paths.demoSource, stores, asOf: AS_OF, seed: 42, badRows: 0 });
await runIngest({ loaded });
const load0 = loadavg()[0]!;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const r = await runBacktest({ loaded, models: arg('models', 'nbeats,tft,lgbm').split(',') });
const wall = (performance.now() - t0) / 1000;
const load1 = loadavg()[0]!;
// Process-wide: the worker threads' CPU time counts too.
const used = process.cpuUsage(cpu0);
console.log(
  `demo ${stores} stores x ${folds} folds, backtest wall ${wall.toFixed(0)} s, ` +
    `cpu ${((used.user + used.system) / 1e6).toFixed(0)} s, ` +
    `load avg ${load0.toFixed(1)} -> ${load1.toFixed(1)}`,
);
const wd = r.leaderboard.find((l) => l.model === 'weekday_mean')!.wape;
const lg = r.leaderboard.find((l) => l.model === 'lgbm')?.wape;
for (const l of r.leaderboard) {
  const outs = r.outcomes.filter((o) => o.model === l.model && !o.error);
  const fit = outs.reduce((n, o) => n + o.fitSeconds, 0);
  const digits = (k: string) => (k === 'samplesPerSec' ? 0 : 3);
  const m = (k: string) =>
    outs
      .map((o) => o.metrics[k])
      .filter((v) => v != null)
      .map((v) => Number(v.toFixed(digits(k))));
  const extra = outs.some((o) => o.metrics['epochs'] != null)
    ? `  epochs ${m('epochs').join('/')}  samples/s ${m('samplesPerSec').join('/')}` +
      `  capHit ${m('timeBudgetHit').join('/')}`
    : '';
  console.log(
    `${l.model.padEnd(15)} WAPE ${l.wape.toFixed(4)}  x${(l.wape / wd).toFixed(3)} weekday_mean` +
      `${lg ? `  x${(l.wape / lg).toFixed(3)} lgbm` : ''}  fit ${fit.toFixed(0)} s${extra}`,
  );
}
