// The boosting loop: rounds on the thread pool, metrics on validation sets, early stopping on the
// first metric of the first validation set, and stops for a time budget or an AbortSignal.
import { Booster, type EvalResult } from './booster.js';
import type { Dataset } from './dataset.js';
import { LightGBMError } from './errors.js';
import type { Params } from './params.js';

export interface TrainOptions {
  numBoostRound: number;
  valid?: { data: Dataset; name?: string }[];
  /** Stop when the first validation metric has not improved for this many rounds. */
  earlyStoppingRounds?: number;
  /** Seconds; training stops (keeping the trees so far) when it runs out. */
  timeBudgetSec?: number;
  signal?: AbortSignal;
  /** Called after each round with that round's validation metrics. */
  onIteration?: (iteration: number, evals: EvalResult[]) => void;
}

export interface TrainResult {
  booster: Booster;
  /** Rounds run. */
  iterations: number;
  /** 1-based best round on the first validation metric (0 without validation). */
  bestIteration: number;
  bestScore: number;
  stoppedBy: 'rounds' | 'early_stopping' | 'no_split' | 'time_budget' | 'aborted';
}

// Metrics where larger is better, as in LightGBM's own early-stopping callback.
const HIGHER_IS_BETTER = /^(auc|average_precision|ndcg|map)/;

export async function train(params: Params, data: Dataset, opts: TrainOptions): Promise<TrainResult> {
  const booster = Booster.create(data, params);
  try {
    for (const v of opts.valid ?? []) booster.addValid(v.data, v.name);
    const nValid = opts.valid?.length ?? 0;
    const deadline = opts.timeBudgetSec !== undefined ? Date.now() + opts.timeBudgetSec * 1000 : Infinity;
    // Without validation, several rounds per worker call spare a thread hop per round.
    const step = nValid === 0 && !opts.onIteration ? 10 : 1;
    let best = { iteration: 0, score: NaN };
    let stoppedBy: TrainResult['stoppedBy'] = 'rounds';
    let iterations = 0;
    while (iterations < opts.numBoostRound) {
      if (opts.signal?.aborted) {
        stoppedBy = 'aborted';
        break;
      }
      if (Date.now() > deadline) {
        stoppedBy = 'time_budget';
        break;
      }
      const r = await booster.update(Math.min(step, opts.numBoostRound - iterations));
      iterations += r.iterations;
      if (r.finished) {
        stoppedBy = 'no_split';
        break;
      }
      if (nValid === 0) continue;
      const evals: EvalResult[] = [];
      for (let i = 1; i <= nValid; i++) evals.push(...booster.eval(i));
      opts.onIteration?.(iterations, evals);
      const first = evals[0];
      if (!first || opts.earlyStoppingRounds === undefined) continue;
      const higher = HIGHER_IS_BETTER.test(first.metric);
      const improved = Number.isNaN(best.score) || (higher ? first.value > best.score : first.value < best.score);
      if (improved) best = { iteration: iterations, score: first.value };
      else if (iterations - best.iteration >= opts.earlyStoppingRounds) {
        stoppedBy = 'early_stopping';
        break;
      }
    }
    booster.bestIteration = best.iteration;
    return { booster, iterations, bestIteration: best.iteration, bestScore: best.score, stoppedBy };
  } catch (err) {
    booster.free();
    throw err instanceof LightGBMError ? err : new LightGBMError('train', String(err));
  }
}
