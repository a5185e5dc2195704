// Registry entry of N-BEATS. Only config.ts is imported here: TensorFlow.js loads with the factory.
import type { ModelEntry } from '../entry.js';
import { paramsSchemaFrom } from '../params-schema.js';
import { NBEATS_DEFAULTS } from './config.js';
import { neuralHistoryDays } from '../tf/history.js';

export const nbeatsEntry: ModelEntry = {
  kind: 'nbeats',
  cost: 4,
  params: paramsSchemaFrom(NBEATS_DEFAULTS, { architecture: ['generic', 'interpretable'] }),
  // Neural models train for a budget in samples (their epochs x windowsPerEpoch) and fine-tune fold
  // to fold in a backtest; timeBudgetSec is only a safety cap per fit, reported when it fires.
  configDefaults: { timeBudgetSec: 1800, warmStart: true },
  historyDays: (p, ctx) => neuralHistoryDays(p['scaleLookback'], NBEATS_DEFAULTS.scaleLookback, ctx),
  load: async () => (await import('./index.js')).nbeatsFactory,
};
