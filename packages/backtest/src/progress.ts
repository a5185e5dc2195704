// The backtest's progress line: folds finished plus the running folds' share (epochs or boosting
// rounds done), and what is running now, so the line moves during a long fit and names it.
import type { ProgressFn } from '@cvc/core';
import type { ChainActivity, FoldOutcome } from './chain.js';

export interface BacktestProgress {
  onFold(o: FoldOutcome): void;
  onActivity(a: ChainActivity): void;
}

/** `total` (model, fold) jobs of `folds` folds each; reports under `phase`. */
export function backtestProgress(phase: string, total: number, folds: number, progress: ProgressFn): BacktestProgress {
  let finished = 0;
  let failed = 0;
  const running = new Map<string, ChainActivity>();
  // A fit's share of its job: epochs or rounds done over planned (a predict step counts the fit whole).
  const share = (a: ChainActivity) => (a.step === 'predict' ? 1 : a.total ? Math.min(1, (a.done ?? 0) / a.total) : 0);
  const describe = (a: ChainActivity) => {
    const unit = a.unit === 'rounds' ? 'round' : 'epoch';
    const inner = a.step === 'predict' ? ' predicting' : a.total ? ` ${unit} ${a.done}/${a.total}` : ' fitting';
    return `${a.model} fold ${a.fold + 1}/${folds}${inner}`;
  };
  const emit = () => {
    const partial = [...running.values()].reduce((s, a) => s + Math.min(0.99, share(a)), 0);
    const now = [...running.values()].map(describe).join(', ');
    progress({
      phase,
      done: Math.min(total, finished + partial),
      total,
      detail: `${now ? `running ${now}` : ''}${failed ? `${now ? '; ' : ''}${failed} failed` : ''}`,
    });
  };
  return {
    onFold(o) {
      finished++;
      if (o.error) failed++;
      if (running.get(o.model)?.fold === o.fold) running.delete(o.model);
      emit();
    },
    onActivity(a) {
      running.set(a.model, a);
      emit();
    },
  };
}
