// The training loop both tf models share: epochs of windows sampled across all stores, Adam with a
// warm-up + cosine learning-rate schedule over the epoch budget, validation on held-out windows,
// early stopping that restores the best weights, and abort. The budget is in epochs of
// `windowsPerEpoch` samples, so the same config and seed give the same weights whatever the load;
// the wall-clock limit is only a safety cap, and when it fires the result says so.
import type * as tfTypes from '@tensorflow/tfjs';
import type { Tf } from './backend.js';
import type { ParamStore } from './layers.js';
import { makeRng, ModelError, ForecastInputError } from '@cvc/core';
import { sampleOrigins, type Origin } from './windows.js';
import { wasmThreadsInUse } from './wasm-threads.js';

export interface TrainConfig {
  epochs: number;
  /** Windows drawn per epoch (with replacement, across all stores). */
  windowsPerEpoch: number;
  batchSize: number;
  learningRate: number;
  /** Final learning rate as a fraction of the initial one (cosine decay over the epochs). */
  minLrFraction: number;
  /** Linear warm-up steps at the start. */
  warmupSteps: number;
  /** Epochs without validation improvement before stopping. */
  patience: number;
}

export interface TrainHooks {
  seed: number;
  /** Validate the starting weights first (warm starts) so training can only keep or improve them. */
  evalBeforeTraining?: boolean;
  /** Safety cap on wall time; reaching it makes the run depend on the machine's load (reported). */
  timeBudgetSec?: number;
  signal?: AbortSignal;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  onProgress?: (p: { done: number; total: number; unit: 'epochs' }) => void;
}

export interface TrainResult {
  epochs: number;
  steps: number;
  samples: number;
  seconds: number;
  samplesPerSec: number;
  bestValLoss: number;
  lastTrainLoss: number;
  stoppedBy: 'epochs' | 'early_stopping' | 'time_budget' | 'abort';
  /** Threads of the wasm backend's matrix products (0 on another backend); forecasts do not depend on it. */
  threads: number;
  /** Mean training loss and validation loss of each completed epoch. */
  history: { trainLoss: number[]; valLoss: number[] };
}

/** The stop reason tracking records: the epoch budget ran out, patience, the wall-time cap, or an abort. */
export function stopReason(res: TrainResult): string {
  return { epochs: 'max_epochs', early_stopping: 'patience', time_budget: 'time_budget', abort: 'abort' }[
    res.stoppedBy
  ];
}

/** FitReport.history and stopReason of a neural fit. */
export function trainingHistory(res: TrainResult): { history: Record<string, number[]>; stopReason: string } {
  return { history: { train_loss: res.history.trainLoss, val_loss: res.history.valLoss }, stopReason: stopReason(res) };
}

/** The figures a neural fit reports for tracking (FitReport.metrics), the same for every tf model. */
export function trainingMetrics(
  res: TrainResult,
  windows: { train: readonly unknown[]; val: readonly unknown[] },
  warmStarted: boolean,
): Record<string, number> {
  return {
    epochs: res.epochs,
    steps: res.steps,
    samples: res.samples,
    samplesPerSec: res.samplesPerSec,
    valLoss: res.bestValLoss,
    trainLoss: res.lastTrainLoss,
    trainWindows: windows.train.length,
    valWindows: windows.val.length,
    warmStart: warmStarted ? 1 : 0,
    earlyStopped: res.stoppedBy === 'early_stopping' ? 1 : 0,
    timeBudgetHit: res.stoppedBy === 'time_budget' ? 1 : 0,
    tfThreads: res.threads,
  };
}

/** What the loop needs from a model: its weights and a loss over a batch of windows. */
export interface Trainable {
  params: ParamStore;
  loss(batch: readonly Origin[], training: boolean): tfTypes.Scalar;
}

/** Warm-up, then cosine decay over the epoch budget (never over wall time: that would depend on load). */
function lrAt(cfg: TrainConfig, step: number, epochFloat: number): number {
  const warm = cfg.warmupSteps > 0 ? Math.min(1, (step + 1) / cfg.warmupSteps) : 1;
  const progress = Math.min(1, epochFloat / Math.max(1, cfg.epochs));
  const cos = cfg.minLrFraction + (1 - cfg.minLrFraction) * 0.5 * (1 + Math.cos(Math.PI * progress));
  return cfg.learningRate * warm * cos;
}

export function evalLoss(tf: Tf, model: Trainable, origins: readonly Origin[], batchSize: number): number {
  if (origins.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < origins.length; i += batchSize) {
    const batch = origins.slice(i, i + batchSize);
    const v = tf.tidy(() => model.loss(batch, false).dataSync()[0]!);
    sum += v * batch.length;
  }
  return sum / origins.length;
}

export async function trainLoop(
  tf: Tf,
  model: Trainable,
  pool: { train: readonly Origin[]; val: readonly Origin[] },
  cfg: TrainConfig,
  hooks: TrainHooks,
): Promise<TrainResult> {
  if (pool.train.length === 0)
    throw new ForecastInputError('no training windows: series are shorter than context + horizon');
  const started = performance.now();
  const deadline = hooks.timeBudgetSec != null ? started + hooks.timeBudgetSec * 1000 : Infinity;
  const rng = makeRng(hooks.seed * 2654435761 + 17);
  const optimizer = tf.train.adam(cfg.learningRate);
  const mutableLr = optimizer as unknown as { learningRate: number };
  const vars = model.params.list();
  const stepsPerEpoch = Math.max(1, Math.ceil(cfg.windowsPerEpoch / cfg.batchSize));

  // Only a warm start has a starting point worth keeping if fine-tuning makes validation worse.
  let best = hooks.evalBeforeTraining ? evalLoss(tf, model, pool.val, cfg.batchSize * 2) : Infinity;
  let bestWeights = hooks.evalBeforeTraining && pool.val.length ? model.params.snapshot() : undefined;
  if (!Number.isFinite(best)) best = Infinity;
  let sinceBest = 0;
  let steps = 0;
  let stepsAtLastEval = 0;
  let samples = 0;
  let epochs = 0;
  let lastTrainLoss = NaN;
  let stoppedBy: TrainResult['stoppedBy'] = 'epochs';
  const history: TrainResult['history'] = { trainLoss: [], valLoss: [] };

  outer: for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    const windows = sampleOrigins(pool.train, stepsPerEpoch * cfg.batchSize, rng);
    let epochLoss = 0;
    let epochSteps = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      if (hooks.signal?.aborted) {
        stoppedBy = 'abort';
        break outer;
      }
      if (performance.now() > deadline) {
        stoppedBy = 'time_budget';
        lastTrainLoss = epochSteps ? epochLoss / epochSteps : lastTrainLoss;
        break outer;
      }
      mutableLr.learningRate = lrAt(cfg, steps, epoch + s / stepsPerEpoch);
      const batch = windows.slice(s * cfg.batchSize, (s + 1) * cfg.batchSize);
      const lossValue = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => model.loss(batch, true), vars);
        optimizer.applyGradients(grads as tfTypes.NamedTensorMap as Record<string, tfTypes.Variable>);
        return value.dataSync()[0]!;
      });
      if (!Number.isFinite(lossValue)) throw new ModelError(`training diverged at step ${steps} (loss ${lossValue})`);
      epochLoss += lossValue;
      epochSteps++;
      steps++;
      samples += batch.length;
    }
    epochs = epoch + 1;
    stepsAtLastEval = steps;
    lastTrainLoss = epochLoss / Math.max(1, epochSteps);
    const val = evalLoss(tf, model, pool.val, cfg.batchSize * 2);
    hooks.log?.('epoch', { epoch: epochs, trainLoss: lastTrainLoss, valLoss: val, lr: mutableLr.learningRate });
    history.trainLoss.push(lastTrainLoss);
    history.valLoss.push(val);
    hooks.onProgress?.({ done: epochs, total: cfg.epochs, unit: 'epochs' });
    if (Number.isFinite(val)) {
      const threshold = Number.isFinite(best) ? best - 1e-6 * Math.abs(best) : Infinity;
      if (val < threshold) {
        best = val;
        bestWeights = model.params.snapshot();
        sinceBest = 0;
      } else if (++sinceBest >= cfg.patience) {
        stoppedBy = 'early_stopping';
        break;
      }
    }
    // Let abort signals and worker messages through between epochs.
    await new Promise((r) => setImmediate(r));
  }
  optimizer.dispose();
  // Stopped mid-epoch (budget or abort): the steps since the last validation still count.
  if (stoppedBy !== 'epochs' && stoppedBy !== 'early_stopping' && steps > stepsAtLastEval) {
    const val = evalLoss(tf, model, pool.val, cfg.batchSize * 2);
    if (!Number.isFinite(val) || val < best) {
      best = Number.isFinite(val) ? val : best;
      bestWeights = undefined;
    }
  }
  if (bestWeights) model.params.restore(bestWeights);
  if (stoppedBy === 'time_budget') {
    hooks.log?.('training stopped by the wall-time safety cap: the result depends on machine load', {
      capSec: hooks.timeBudgetSec,
      epochs,
      epochBudget: cfg.epochs,
      steps,
    });
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    epochs,
    steps,
    samples,
    seconds,
    samplesPerSec: samples / Math.max(seconds, 1e-9),
    bestValLoss: best,
    lastTrainLoss,
    stoppedBy,
    threads: tf.getBackend() === 'wasm' ? wasmThreadsInUse() : 0,
    history,
  };
}
