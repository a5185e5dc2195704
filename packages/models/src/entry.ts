// What the registry knows about one model kind. A model is one folder plus one of these entries,
// listed in registry.ts: everything else (the config's `models` section, cost-based tie breaks,
// how much history infer reads for a bundle) is derived from the entries.
import type { ForecasterFactory } from '@cvc/core';
import { z } from 'zod';

export interface HistoryContext {
  /** Days of context the forecast config gives every model (`forecast.context`). */
  context: number;
  /** Days forecast after the last observed day (`forecast.horizon`). */
  horizon: number;
}

export interface ModelEntry {
  kind: string;
  /** Relative cost of fitting: near ties in accuracy go to the cheaper model. */
  cost: number;
  /** Runs in every backtest as the floor other models must beat. */
  baseline?: boolean;
  /** The kind's hyperparameters (every key optional; the model fills its own defaults). */
  params: z.ZodObject;
  /** The `models.<kind>` section when the config has none. */
  configDefaults: Record<string, unknown>;
  /**
   * Days of history up to the forecast origin a fit or forecast reads, for these params (as in the
   * config or as a fitted model reports them).
   */
  historyDays(params: Record<string, unknown>, ctx: HistoryContext): number;
  /** Loads the factory; heavy models (native LightGBM, TensorFlow.js) only load when asked for. */
  load(): Promise<ForecasterFactory>;
}

/** Keys of `models.<kind>` that steer training rather than the model. */
export const trainingKeys = {
  /** A backtest fine-tunes fold to fold instead of training each fold from zero. */
  warmStart: z.boolean().optional(),
  /** Safety cap on one fit's wall time, in seconds (reported when it fires). */
  timeBudgetSec: z.number().positive().optional(),
};
