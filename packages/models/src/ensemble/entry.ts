// Registry entry of the ensemble: its weights are learned by the backtest, so the config has nothing
// to set; it reads what its members read.
import { z } from 'zod';
import type { ModelEntry } from '../entry.js';
import { modelHistoryDays } from '../registry.js';

export const ensembleEntry: ModelEntry = {
  kind: 'ensemble',
  cost: 6,
  params: z.object({}).strict(),
  configDefaults: {},
  historyDays: (p, ctx) => {
    const members = (p['weights'] as { members?: string[] } | undefined)?.members ?? [];
    const memberParams = (p['memberParams'] ?? {}) as Record<string, Record<string, unknown>>;
    return Math.max(ctx.context, ...members.map((m) => modelHistoryDays(m, memberParams[m] ?? {}, ctx)));
  },
  load: async () => (await import('./index.js')).ensembleFactory,
};
