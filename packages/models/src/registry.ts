// Model kinds by name. Heavy models (native LightGBM, TensorFlow.js) load only when asked for, so
// commands that never train (config checks, ingest) do not pay for them.
import { type ModelKind, InputError, type ForecasterFactory } from '@cvc/core';
import { etsFactory, seasonalNaiveFactory, weekdayMeanFactory } from './baselines/index.js';

const loaders: Record<ModelKind, () => Promise<ForecasterFactory>> = {
  seasonal_naive: async () => seasonalNaiveFactory,
  weekday_mean: async () => weekdayMeanFactory,
  ets: async () => etsFactory,
  lgbm: async () => (await import('./lgbm/index.js')).lgbmFactory,
  nbeats: async () => (await import('./nbeats/index.js')).nbeatsFactory,
  tft: async () => (await import('./tft/index.js')).tftFactory,
  ensemble: async () => (await import('./ensemble/index.js')).ensembleFactory,
};

/** Relative cost of fitting each kind: near ties in accuracy go to the cheaper model. */
export const MODEL_COST: Record<ModelKind, number> = { seasonal_naive: 0, weekday_mean: 1, ets: 2, lgbm: 3, nbeats: 4, tft: 5, ensemble: 6 };

export function isModelKind(name: string): name is ModelKind {
  return Object.prototype.hasOwnProperty.call(loaders, name);
}

/** Checks model names from a flag or config; an unknown one is bad input naming --models. */
export function resolveModelsAsked(names: readonly string[]): string[] {
  const unknown = names.filter((n) => !isModelKind(n));
  if (unknown.length > 0) {
    throw new InputError(`--models: unknown model ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${Object.keys(loaders).join(', ')}`);
  }
  return [...new Set(names)];
}

export async function forecasterFactory(kind: string): Promise<ForecasterFactory> {
  if (!isModelKind(kind)) throw new InputError(`unknown model "${kind}"; known: ${Object.keys(loaders).join(', ')}`);
  return loaders[kind]();
}

/** Factories for several kinds, keyed by kind (what bundles and the UnifiedForecaster need). */
export async function forecasterFactories(kinds: readonly string[]): Promise<Map<string, ForecasterFactory>> {
  const out = new Map<string, ForecasterFactory>();
  for (const k of new Set(kinds)) out.set(k, await forecasterFactory(k));
  return out;
}

/**
 * A model's hyperparameters from the config's `models.<kind>` section, with the two keys that steer
 * training rather than the model (warmStart, timeBudgetSec) taken out.
 */
export function modelSettings(
  models: Record<string, Record<string, unknown>>,
  kind: string,
): { params: Record<string, unknown>; warmStart: boolean; timeBudgetSec?: number } {
  const { warmStart, timeBudgetSec, ...params } = models[kind] ?? {};
  return { params, warmStart: warmStart === true, ...(typeof timeBudgetSec === 'number' ? { timeBudgetSec } : {}) };
}
