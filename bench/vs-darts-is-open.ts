// Checks on a real lake that bench/vs-darts.py plans a fold window's is_open exactly as cvc's backtest
// does (foldWindows -> plannedOpen: schedule, last year's holiday closures, weekly pattern, store dates),
// for every store x day of one fold, without running Darts. Python: .bench-venv if present, else python3.
//   node --conditions=source --import tsx bench/vs-darts-is-open.ts [--config configs/cvc.yaml]
//     [--cutoff YYYY-MM-DD]  (default: the last fold's cutoff of the config's backtest over the lake)
// Prints the store-days compared, how many the holiday rule planned closed, and every mismatch (exit 1).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  formatIsoDay,
  learnedHolidayClosures,
  loadConfig,
  parseIsoDay,
  planFolds,
} from '../packages/core/src/index.js';
import { lakeTables, openDuckDb, readKnownFutureInputs, readStoreSeries } from '../packages/feature-table/src/index.js';
import { foldWindows } from '../packages/backtest/src/index.js';

const { values: flags } = parseArgs({
  options: { config: { type: 'string', default: 'configs/cvc.yaml' }, cutoff: { type: 'string' } },
});
const loaded = loadConfig(flags.config);
const cfg = loaded.config;
const tables = lakeTables(loaded);
const horizon = cfg.forecast.horizon;
const { conn, close } = await openDuckDb();
const series = (await readStoreSeries(conn, tables)).filter((s) => s.sales.length > 0);
const known = await readKnownFutureInputs(conn, tables, { pandemic: cfg.ingest.pandemic });
close();
const firstDay = formatIsoDay(Math.min(...series.map((s) => parseIsoDay(s.start))));
const lastDay = formatIsoDay(Math.max(...series.map((s) => parseIsoDay(s.start) + s.sales.length - 1)));
const { folds: count, stride, gap, minHistory } = cfg.backtest;
const folds = planFolds({ firstDay, lastDay, folds: count, stride, horizon, gap, minHistory });
const cutoff = flags.cutoff ?? folds.at(-1)!.cutoff;
const windows = foldWindows(known, series, cutoff, horizon);
const ids = Object.keys(windows).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

// How many of cvc's planned days the holiday rule closed (the part the Python side lacked before).
let holidayClosed = 0;
for (const s of series) {
  if (!windows[s.storeId]) continue;
  const t = parseIsoDay(cutoff) - parseIsoDay(s.start) + 1;
  const store = known.stores.get(s.storeId)!;
  holidayClosed += learnedHolidayClosures({
    start: s.start,
    history: s.future['is_open']!.subarray(0, t),
    from: formatIsoDay(parseIsoDay(cutoff) + 1),
    days: horizon,
    place: { state: store.state, city: store.city ?? null },
    regional: known.regionalHolidays,
  }).size;
}

const bench = fileURLToPath(new URL('.', import.meta.url));
const venv = fileURLToPath(new URL('../.bench-venv/bin/python', import.meta.url));
const py = existsSync(venv) ? venv : 'python3';
const script = `
import importlib.util, json, os, sys
spec = importlib.util.spec_from_file_location("vs_darts", os.path.join(sys.argv[1], "vs-darts.py"))
vs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vs)
ids, cutoff, horizon = json.loads(sys.argv[3]), sys.argv[4], int(sys.argv[5])
import pandas as pd
last = str((pd.Timestamp(cutoff) + pd.Timedelta(days=horizon)).date())
stores = vs.store_frames(sys.argv[2], ids, last)
print(json.dumps({sid: vs.planned_is_open(stores[sid], cutoff, horizon) for sid in ids}))`;
const t0 = performance.now();
const r = spawnSync(py, ['-c', script, bench, loaded.paths.lake, JSON.stringify(ids), cutoff, String(horizon)], {
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
});
if (r.status !== 0) throw new Error(`${py} failed (${r.status}): ${r.stderr.slice(-3000)}`);
const lines = r.stdout.trim().split('\n');
const darts = JSON.parse(lines.at(-1)!) as Record<string, number[]>;

const mismatches: string[] = [];
let days = 0;
let closed = 0;
for (const id of ids) {
  const ours = Array.from(windows[id]!['is_open']!);
  const theirs = darts[id] ?? [];
  for (let i = 0; i < horizon; i++) {
    days++;
    if (ours[i] === 0) closed++;
    if (ours[i] !== theirs[i])
      mismatches.push(`store ${id} ${formatIsoDay(parseIsoDay(cutoff) + 1 + i)}: cvc ${ours[i]}, python ${theirs[i]}`);
  }
}
console.log(
  `fold after ${cutoff} (${horizon} days), ${ids.length} stores, ${py}: ${days} store-days compared, ` +
    `${closed} planned closed (${holidayClosed} by the holiday rule), ${mismatches.length} mismatches ` +
    `(python ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
for (const m of mismatches.slice(0, 20)) console.log(`  ${m}`);
if (mismatches.length > 0) process.exit(1);
