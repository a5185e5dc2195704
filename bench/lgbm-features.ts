// Feature-matrix build of the LightGBM forecaster for ~150 stores x 7 years over 35 horizons:
// seconds and peak RSS, for the default 52 weekly origins and for every weekly origin in 7 years.
// Each configuration runs in its own process so that peak RSS is its own. CPU seconds are printed
// beside wall seconds because a shared machine stretches wall time.
// Run: node --conditions=source --import tsx bench/lgbm-features.ts
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildFeatures, buildLabel, makeLayout } from '../packages/models/src/lgbm/features.js';
import { storeHistory } from '../packages/models/src/lgbm/history.js';
import { fitRows } from '../packages/models/src/lgbm/rows.js';
import { lgbmSynthetic } from './lgbm-synthetic.js';

const STORES = 150;
const DAYS = 7 * 365;
const H = 35;

if (process.argv[2] === '--child') {
  const origins = Number(process.argv[3]);
  const { history } = lgbmSynthetic({ stores: STORES, days: DAYS, extraDays: 0, seed: 5 });
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const layout = makeLayout(history, true, 28);
  const hist = history.map(storeHistory);
  const rows = fitRows(hist, H, origins, 7, 28);
  const m = buildFeatures(layout, hist, rows);
  const y = buildLabel(hist, rows, m.level);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      origins,
      rows: m.nrow,
      cols: m.ncol,
      labels: y.length,
      seconds,
      cpuSeconds,
      matrixMb: m.X.byteLength / 2 ** 20,
      peakRssMb: peakMb,
      rssBeforeMb: rssBefore / 2 ** 20,
    }),
  );
} else {
  console.log(`lgbm-features: ${STORES} stores x ${DAYS} days, horizon ${H}, weekly origins`);
  const self = fileURLToPath(import.meta.url);
  for (const origins of [52, 104, Math.floor((DAYS - H - 28) / 7)]) {
    const out = execFileSync(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', self, '--child', String(origins)],
      {
        encoding: 'utf8',
      },
    );
    const r = JSON.parse(out) as Record<string, number>;
    console.log(
      `origins ${String(r['origins']).padStart(3)}: ${r['rows']} rows x ${r['cols']} cols ` +
        `(${r['matrixMb']!.toFixed(0)} MB float32) ` +
        (`built in ${r['seconds']!.toFixed(2)} s wall, ${r['cpuSeconds']!.toFixed(2)} s CPU; peak RSS ` +
          `${r['peakRssMb']!.toFixed(0)} MB (${r['rssBeforeMb']!.toFixed(0)} MB before the build)`),
    );
  }
}
