// Registry entry of the Temporal Fusion Transformer. Only config.ts is imported here: TensorFlow.js
// loads with the factory.
import { z } from 'zod';
import type { ModelEntry } from '../entry.js';
import { TFT_DEFAULTS } from './config.js';
import { neuralHistoryDays } from '../tf/history.js';

export const tftEntry: ModelEntry = {
  kind: 'tft',
  cost: 5,
  // Every TFT hyperparameter is a number (switches are 0/1).
  params: z.object(Object.fromEntries(Object.keys(TFT_DEFAULTS).map((k) => [k, z.number().optional()]))).strict(),
  configDefaults: { timeBudgetSec: 1800, warmStart: true },
  historyDays: (p, ctx) => neuralHistoryDays(p['scaleLookback'], TFT_DEFAULTS.scaleLookback, ctx),
  load: async () => (await import('./index.js')).tftFactory,
};
