// Which model forecasts each store best: the lowest mean WAPE over folds; within a relative tolerance
// of the best, the cheaper model wins; stores with too little history take the global best.
import { JobError } from '@cvc/core';
import { MODEL_COST } from '@cvc/models';

export interface StoreFoldScore {
  storeId: string;
  model: string;
  fold: number;
  wape: number; // NaN when unscorable
  /** Sums behind pooled WAPE: sum |forecast - actual| and sum |actual| over scored days. */
  absError: number;
  actualSum: number;
}

export interface StoreChoice {
  storeId: string;
  model: string;
  wape: number; // the chosen model's mean WAPE over folds (NaN for fallbacks)
  folds: number;
  reason: 'best' | 'cheaper-near-tie' | 'global-best';
}

export interface LeaderRow {
  model: string;
  wape: number; // pooled over stores and folds: sum |err| / sum |actual|
  meanStoreWape: number;
  stores: number;
}

const cost = (m: string) => MODEL_COST[m] ?? 99;

/** Pooled WAPE per model, best first. */
export function leaderboard(scores: readonly StoreFoldScore[]): LeaderRow[] {
  const by = new Map<string, { err: number; act: number; wapes: number[]; stores: Set<string> }>();
  for (const s of scores) {
    const e = by.get(s.model) ?? { err: 0, act: 0, wapes: [], stores: new Set<string>() };
    e.err += s.absError;
    e.act += s.actualSum;
    if (Number.isFinite(s.wape)) e.wapes.push(s.wape);
    e.stores.add(s.storeId);
    by.set(s.model, e);
  }
  return [...by.entries()]
    .map(([model, e]) => ({
      model,
      wape: e.act > 0 ? e.err / e.act : Number.NaN,
      meanStoreWape: e.wapes.length ? e.wapes.reduce((a, b) => a + b, 0) / e.wapes.length : Number.NaN,
      stores: e.stores.size,
    }))
    .sort((a, b) =>
      Number.isNaN(a.wape) ? 1 : Number.isNaN(b.wape) ? -1 : a.wape - b.wape || cost(a.model) - cost(b.model),
    );
}

export function chooseModels(
  scores: readonly StoreFoldScore[],
  opts: {
    tieTolerance: number;
    minFolds: number;
    shortHistoryStores: ReadonlySet<string>;
    allStores: readonly string[];
  },
): { choices: StoreChoice[]; globalBest: string } {
  const board = leaderboard(scores);
  const globalBest = board[0]?.model;
  if (!globalBest) throw new JobError('backtest: no model produced a scorable forecast');
  const perStore = new Map<string, Map<string, number[]>>();
  for (const s of scores) {
    if (!Number.isFinite(s.wape)) continue;
    const models = perStore.get(s.storeId) ?? new Map<string, number[]>();
    const list = models.get(s.model) ?? [];
    list.push(s.wape);
    models.set(s.model, list);
    perStore.set(s.storeId, models);
  }
  const choices: StoreChoice[] = [];
  for (const storeId of opts.allStores) {
    const models = perStore.get(storeId);
    const candidates = models
      ? [...models.entries()]
          .filter(([, w]) => w.length >= opts.minFolds)
          .map(([model, w]) => ({ model, wape: w.reduce((a, b) => a + b, 0) / w.length, folds: w.length }))
      : [];
    if (opts.shortHistoryStores.has(storeId) || candidates.length === 0) {
      choices.push({ storeId, model: globalBest, wape: Number.NaN, folds: 0, reason: 'global-best' });
      continue;
    }
    candidates.sort((a, b) => a.wape - b.wape);
    const best = candidates[0]!;
    const near = candidates.filter((c) => c.wape <= best.wape * (1 + opts.tieTolerance));
    near.sort((a, b) => cost(a.model) - cost(b.model) || a.wape - b.wape);
    const pick = near[0]!;
    choices.push({
      storeId,
      model: pick.model,
      wape: pick.wape,
      folds: pick.folds,
      reason: pick.model === best.model ? 'best' : 'cheaper-near-tie',
    });
  }
  return { choices, globalBest };
}
