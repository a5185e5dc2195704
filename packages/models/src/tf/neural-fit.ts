// The fit every neural forecaster (N-BEATS, TFT) shares around its own network: TensorFlow.js
// loading, the warm-start checks, the input spec (kept from the warm model so its weights mean the
// same thing), the training windows, fine-tuning settings, the training loop and the fit report.
import type { FitContext, FitReport, Forecaster, StoreSeries } from '@cvc/core';
import { ModelError } from '@cvc/core';
import { prepareStore, type FeatureSpec, type PreparedStore } from '../tft/features.js';
import { loadTf, type Tf } from './backend.js';
import { checkFuture, checkPast, checkStatics } from './input-checks.js';
import type { ParamStore } from './layers.js';
import { trainingHistory, trainingMetrics, trainLoop, type Trainable, type TrainConfig } from './train.js';
import { planWindows, type WindowPlan } from './windows.js';

/** Training settings every neural model's params carry. */
export interface NeuralTrainParams extends TrainConfig {
  /** Shortest history (days) a training window may have. */
  minContext: number;
  /** Fine-tuning when warm-started: epochs and learning rate. */
  fineTuneEpochs: number;
  fineTuneLearningRate: number;
}

/** What a model supplies: how to recognise a warm start, a cold start's inputs, and its network. */
export interface NeuralFitPlan<W extends { spec: FeatureSpec }> {
  kind: string;
  params: NeuralTrainParams;
  /** Context days of a training window. */
  context: number;
  /** The fitted state of `m` when it is a fitted model of this kind (the only valid warm start). */
  warmOf(m: Forecaster): W | undefined;
  /** Input spec of a cold start. */
  newSpec(): FeatureSpec;
  /**
   * Creates the network for `spec`, starting from `warm`'s weights when given (throwing when they
   * do not fit), and returns what training updates and its loss over a batch of windows.
   */
  build(
    tf: Tf,
    spec: FeatureSpec,
    warm: W | undefined,
  ): { params: ParamStore; warmStarted: boolean; loss(prepared: readonly PreparedStore[]): Trainable['loss'] };
  /** Validate the untrained weights first (they may already be a useful forecast, e.g. a baseline skip). */
  evalBeforeTraining?: boolean;
}

export interface NeuralFit {
  /** performance.now() when the fit began, for models that do more work after training. */
  started: number;
  tf: Tf;
  backend: string;
  spec: FeatureSpec;
  prepared: PreparedStore[];
  plan: WindowPlan;
  report: FitReport;
}

export async function fitNeural<W extends { spec: FeatureSpec }>(
  series: readonly StoreSeries[],
  ctx: FitContext,
  plan: NeuralFitPlan<W>,
): Promise<NeuralFit> {
  const started = performance.now();
  const { kind, params: p } = plan;
  const { tf, backend } = await loadTf({ log: ctx.log });
  const warm = ctx.warmStart ? plan.warmOf(ctx.warmStart) : undefined;
  if (ctx.warmStart && !warm) {
    throw new ModelError(`${kind}: warmStart must be a fitted ${kind} forecaster, got "${ctx.warmStart.kind}"`);
  }
  // A warm start keeps the earlier model's input spec (vocabularies, standardisation) so its
  // weights mean the same thing; new static levels map to "unseen".
  const spec = warm ? warm.spec : plan.newSpec();
  if (warm) {
    checkFuture(kind, series, spec.futureColumns, 0);
    checkPast(kind, series, spec.pastColumns);
    checkStatics(
      kind,
      series,
      spec.statics.map((s) => s.name),
    );
  }
  const net = plan.build(tf, spec, warm);
  const prepared = series.map((s) => prepareStore(s, spec));
  const windows = planWindows(
    series.map((s) => s.sales.length),
    ctx.horizon,
    { valDays: ctx.horizon, minContext: Math.min(p.minContext, plan.context) },
  );
  const cfg = net.warmStarted
    ? { ...p, epochs: p.fineTuneEpochs, learningRate: p.fineTuneLearningRate, warmupSteps: 0 }
    : p;
  const res = await trainLoop(tf, { params: net.params, loss: net.loss(prepared) }, windows, cfg, {
    seed: ctx.seed,
    evalBeforeTraining: net.warmStarted || plan.evalBeforeTraining === true,
    timeBudgetSec: ctx.timeBudgetSec,
    signal: ctx.signal,
    log: ctx.log,
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  });
  ctx.log?.(`${kind} fitted`, { backend, ...res });
  const report: FitReport = {
    seconds: (performance.now() - started) / 1000,
    metrics: trainingMetrics(res, windows, net.warmStarted),
    ...trainingHistory(res),
  };
  return { started, tf, backend, spec, prepared, plan: windows, report };
}
