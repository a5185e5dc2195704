// Model kinds by name: one entry per kind (its folder's entry.ts), in cost order. Everything else that
// knows about kinds (the config's `models` section, tie breaks, bundles' history) is derived from here.
import { InputError, type ForecasterFactory } from '@cvc/core';
import { etsEntry, seasonalNaiveEntry, weekdayMeanEntry } from './baselines/entry.js';
import { ensembleEntry } from './ensemble/entry.js';
import type { HistoryContext, ModelEntry } from './entry.js';
import { lgbmEntry } from './lgbm/entry.js';
import { nbeatsEntry } from './nbeats/entry.js';
import { tftEntry } from './tft/entry.js';

export const MODEL_ENTRIES: readonly ModelEntry[] = [
  seasonalNaiveEntry,
  weekdayMeanEntry,
  etsEntry,
  lgbmEntry,
  nbeatsEntry,
  tftEntry,
  ensembleEntry,
];

const byKind = new Map(MODEL_ENTRIES.map((e) => [e.kind, e]));

export const MODEL_KINDS: readonly string[] = MODEL_ENTRIES.map((e) => e.kind);
/** Kinds that run in every backtest as the floor other models must beat. */
export const BASELINE_KINDS: readonly string[] = MODEL_ENTRIES.filter((e) => e.baseline).map((e) => e.kind);

/** Relative cost of fitting each kind: near ties in accuracy go to the cheaper model. */
export const MODEL_COST: Readonly<Record<string, number>> = Object.fromEntries(
  MODEL_ENTRIES.map((e) => [e.kind, e.cost]),
);

export function isModelKind(name: string): boolean {
  return byKind.has(name);
}

function entryOf(kind: string): ModelEntry {
  const entry = byKind.get(kind);
  if (!entry) throw new InputError(`unknown model "${kind}"; known: ${MODEL_KINDS.join(', ')}`);
  return entry;
}

/** Checks model names from a flag or config; an unknown one is bad input naming --models. */
export function resolveModelsAsked(names: readonly string[]): string[] {
  const unknown = names.filter((n) => !isModelKind(n));
  if (unknown.length > 0) {
    const names = unknown.map((u) => `"${u}"`).join(', ');
    throw new InputError(`--models: unknown model ${names}; known: ${MODEL_KINDS.join(', ')}`);
  }
  return [...new Set(names)];
}

export async function forecasterFactory(kind: string): Promise<ForecasterFactory> {
  return entryOf(kind).load();
}

/** Factories for several kinds, keyed by kind (what bundles and the UnifiedForecaster need). */
export async function forecasterFactories(kinds: readonly string[]): Promise<Map<string, ForecasterFactory>> {
  const out = new Map<string, ForecasterFactory>();
  for (const k of new Set(kinds)) out.set(k, await forecasterFactory(k));
  return out;
}

/** Days of history up to the forecast origin a model of this kind with these params reads. */
export function modelHistoryDays(kind: string, params: Record<string, unknown>, ctx: HistoryContext): number {
  return entryOf(kind).historyDays(params, ctx);
}

/**
 * A model's hyperparameters from the config's `models.<kind>` section (the entry's defaults when the
 * config has none), with the two keys that steer training rather than the model (warmStart,
 * timeBudgetSec) taken out.
 */
export function modelSettings(
  models: Record<string, Record<string, unknown>>,
  kind: string,
): { params: Record<string, unknown>; warmStart: boolean; timeBudgetSec?: number } {
  const { warmStart, timeBudgetSec, ...params } = models[kind] ?? byKind.get(kind)?.configDefaults ?? {};
  return { params, warmStart: warmStart === true, ...(typeof timeBudgetSec === 'number' ? { timeBudgetSec } : {}) };
}
