// The ensemble scored on a finished backtest's out-of-fold forecasts, without refitting any member:
// reads every model's fold checkpoints (data/backtest-checkpoints/<key>/<model>/fold-k/forecasts.json),
// calibrates and mixes them exactly as `cvc backtest` does (weights for fold k learned on folds < k)
// and prints pooled WAPE per model, on every fold and on folds 1.., beside the best single model, and
// the ensemble against the best single model fold by fold (the noise the pooled figure sits in).
//   node --conditions=source --import tsx bench/ensemble-replay.ts [--config configs/cvc.yaml]
//     [--checkpoints data/backtest-checkpoints/<key>] [--members lgbm,nbeats,tft] [--per-fold]
// (--members as `cvc backtest` takes --models: the baselines join only when fewer than two are named)
// Actuals come from the config's feature table as it is now; a daily ingest after the backtest may
// have corrected a few of the last fold's days, so the members' figures are printed to compare with
// the original run's.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { actualWindow, errorByHorizonDay, loadConfig, type QuantileForecast } from '../packages/core/src/index.js';
import { chooseModels, ensembleMembers, ensembleOutcomes, readReplayRun } from '../packages/backtest/src/index.js';
import { benchFlags } from './flags.js';

const flags = benchFlags(
  {
    config: { type: 'string', default: 'configs/cvc.yaml' },
    checkpoints: { type: 'string' },
    members: { type: 'string' },
    'per-fold': { type: 'boolean', default: false },
  },
  'ensemble-replay.ts [--config <file>] [--checkpoints <dir>] [--members <list>] [--per-fold]',
);
const perFold = flags['per-fold'];
const loaded = loadConfig(flags.config);
const root = join(loaded.paths.data, 'backtest-checkpoints');
const dir =
  flags.checkpoints ??
  (() => {
    const keys = existsSync(root) ? readdirSync(root) : [];
    if (keys.length !== 1) throw new Error(`give --checkpoints: ${root} holds ${keys.length} runs`);
    return join(root, keys[0]!);
  })();

const { outcomes, series } = await readReplayRun(loaded, dir);
const folds = [...new Set(outcomes.map((o) => o.fold))].sort((a, b) => a - b);
// Members as `cvc backtest` picks them: the models asked for (--members, else the config's), not the
// baselines beside them unless fewer than two were asked.
const present = [...new Set(outcomes.map((o) => o.model))];
const asked = flags.members?.split(',') ?? loaded.config.backtest.models;
const members = ensembleMembers(asked, present, () => true);
const t0 = performance.now();
const ens = ensembleOutcomes(outcomes, members, folds, series);
const ms = performance.now() - t0;

const byId = new Map(series.map((s) => [s.storeId, s]));
const pooled = new Map<string, { err: number; act: number }>();
const add = (key: string, f: QuantileForecast) => {
  const a = actualWindow(byId.get(f.storeId)!, f.start, f.p50.length);
  const d = errorByHorizonDay({ actual: a.sales, p50: f.p50, p10: f.p10, p90: f.p90, isOpen: a.isOpen });
  const e = pooled.get(key) ?? { err: 0, act: 0 };
  pooled.set(key, e);
  for (let h = 0; h < d.absErr.length; h++) {
    e.err += d.absErr[h]!;
    e.act += d.actual[h]!;
  }
};
for (const o of [...outcomes, ...ens.outcomes]) {
  for (const f of o.forecasts) {
    add(`${o.model}|${o.fold}|${f.storeId}`, f);
    add(`${o.model}|all`, f);
    add(`${o.model}|${o.fold}`, f);
    if (o.fold > 0) add(`${o.model}|later`, f);
  }
}
const wape = (k: string) => {
  const e = pooled.get(k);
  return e && e.act > 0 ? e.err / e.act : Number.NaN;
};
const models = [...new Set([...outcomes, ...ens.outcomes].map((o) => o.model))].sort(
  (a, b) => wape(`${a}|all`) - wape(`${b}|all`),
);
console.log(`members ${members.join(', ')}`);
console.log(
  `checkpoints ${dir}: ${series.length} stores, folds ${folds.join(' ')}; ` +
    `learning and mixing the ensemble took ${ms.toFixed(0)} ms`,
);
// The per-store choice as the backtest makes it (no short-history stores: every store here has folds).
const scores = [...outcomes, ...ens.outcomes].flatMap((o) =>
  o.forecasts.map((f) => {
    const key = `${o.model}|${o.fold}|${f.storeId}`;
    const e = pooled.get(key)!;
    return { model: o.model, fold: o.fold, storeId: f.storeId, wape: wape(key), absError: e.err, actualSum: e.act };
  }),
);
const { choices } = chooseModels(scores, {
  tieTolerance: loaded.config.backtest.tieTolerance,
  minFolds: Math.max(1, Math.ceil(folds.length / 2)),
  shortHistoryStores: new Set(),
  allStores: series.map((s) => s.storeId),
});
const chosen = (m: string) => choices.filter((c) => c.model === m).length;
console.log(`model           WAPE    WAPE f1+  chosen${perFold ? folds.map((k) => `   fold ${k}`).join('') : ''}`);
for (const m of models) {
  const cells = [
    m.padEnd(14),
    wape(`${m}|all`).toFixed(4),
    wape(`${m}|later`).toFixed(4).padStart(9),
    String(chosen(m)).padStart(7),
  ];
  if (perFold) cells.push(...folds.map((k) => wape(`${m}|${k}`).toFixed(4).padStart(8)));
  console.log(cells.join(' '));
}
const single = models.filter((m) => m !== 'ensemble');
const best = single[0]!;
const check = (label: string, k: string) => {
  const bestLater = Math.min(...single.map((m) => wape(`${m}|${k}`)));
  const e = wape(`ensemble|${k}`);
  console.log(
    `check ensemble <= best single (${label}): ${e.toFixed(4)} vs ${bestLater.toFixed(4)} ` +
      `(${(e / bestLater).toFixed(3)}x) ${e <= bestLater ? 'ok' : 'MISSED'}`,
  );
};
check(`every fold, best ${best}`, 'all');
check('folds 1..', 'later');
// The noise the aggregate figure sits in: the ensemble against the best single model of folds 1.. and
// against each fold's own leader, fold by fold (members trade places from one fold to the next).
const laterFolds = folds.filter((k) => k > 0);
const bestLaterModel = single.reduce((a, b) => (wape(`${b}|later`) < wape(`${a}|later`) ? b : a));
const perFoldRatio = (k: number, m: string) => (wape(`ensemble|${k}`) / wape(`${m}|${k}`)).toFixed(3);
const leaderOf = (k: number) => single.reduce((a, b) => (wape(`${b}|${k}`) < wape(`${a}|${k}`) ? b : a));
console.log(
  `per fold, ensemble / ${bestLaterModel} (best single of folds 1..): ` +
    laterFolds.map((k) => `fold ${k} ${perFoldRatio(k, bestLaterModel)}`).join(', '),
);
console.log(
  `per fold, ensemble / that fold's best single: ` +
    laterFolds.map((k) => `fold ${k} ${perFoldRatio(k, leaderOf(k))} (${leaderOf(k)})`).join(', '),
);
console.log(
  `chain weights on every fold: ` +
    ens.weights.members.map((m, k) => `${m} ${ens.weights.chain[k]!.toFixed(3)}`).join(', '),
);
