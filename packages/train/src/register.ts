// Train, then register: the bundle becomes a new registry version (local or MLflow), the training
// run is tracked, and the promotion rule (config registry.promote, or --promote) decides whether it
// becomes champion.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, isRemoteLake, silentLogger } from '@cvc/core';
import {
  importanceSvg,
  lgbmFeatureImportance,
  openRegistry,
  openTracker,
  registrySettings,
  trackingSettings,
  type BundleManifest,
  type PromoteRule,
  type RegisterResult,
  type TrackedRun,
} from '@cvc/mlops';
import { runTrain, tempBundleDir, type TrainOptions, type TrainResult } from './train.js';

export interface TrainAndRegisterOptions extends Omit<TrainOptions, 'bundleDir'> {
  /** Overrides config registry.promote for this run. */
  promote?: PromoteRule;
  alias?: string;
}

export interface TrainAndRegisterResult extends TrainResult {
  registered: RegisterResult;
  registry: { backend: string; name: string };
  trackingRunId: string;
}

/**
 * What people open in the tracking UI beside the bundle: the manifest as bundle_manifest.json and, when
 * the bundle has an lgbm model, its feature importance (importance/lgbm_feature_importance.json and
 * gain / split bar charts as SVG).
 */
async function logTrainingArtifacts(run: TrackedRun, bundleDir: string, manifest: BundleManifest): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cvc-train-artifacts-'));
  try {
    await writeFile(join(dir, 'bundle_manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await run.logArtifact(join(dir, 'bundle_manifest.json'));
    const lgbm = manifest.models.find((m) => m.kind === 'lgbm');
    if (!lgbm) return;
    const rows = await lgbmFeatureImportance(join(bundleDir, ...lgbm.dir.split('/')));
    await mkdir(join(dir, 'importance'));
    await writeFile(join(dir, 'importance', 'lgbm_feature_importance.json'), `${JSON.stringify(rows, null, 2)}\n`);
    await writeFile(join(dir, 'importance', 'lgbm_gain.svg'), importanceSvg(rows, 'gain'));
    await writeFile(join(dir, 'importance', 'lgbm_split.svg'), importanceSvg(rows, 'split'));
    await run.logArtifact(join(dir, 'importance'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function trainAndRegister(opts: TrainAndRegisterOptions): Promise<TrainAndRegisterResult> {
  const { loaded } = opts;
  const log = opts.log ?? silentLogger;
  const registry = openRegistry(registrySettings(loaded), { log });
  const tracker = await openTracker(trackingSettings(loaded), { log });
  // The bundle is written locally first: beside a local registry, or in the data dir for one on Azure.
  const scratch = isRemoteLake(loaded.paths.registry) ? loaded.paths.data : loaded.paths.registry;
  await mkdir(scratch, { recursive: true });
  const tmp = await tempBundleDir(scratch);
  const run = await tracker.startRun({
    name: `train ${opts.from}..${opts.to ?? 'last'}`,
    tags: { 'cvc.step': 'train', ...(opts.runId ? { 'cvc.run_id': opts.runId } : {}) },
  });
  try {
    const result = await runTrain({ ...opts, bundleDir: tmp.dir, runId: run.runId });
    await run.logParams({
      from: result.window.from,
      to: result.window.to,
      models: result.models.map((m) => m.kind).join(','),
      feature_table: result.manifest.lineage.featureTable,
      feature_version: result.featureVersion,
      backtest_run: result.backtestRunId ?? 'none',
      bundle_id: result.manifest.bundleId,
    });
    const metrics: Record<string, number> = { seconds: result.seconds, stores: result.stores };
    for (const m of result.models) metrics[`fit_seconds_${m.kind}`] = m.fitSeconds;
    if (result.manifest.backtest.wape !== null) metrics['backtest_wape'] = result.manifest.backtest.wape;
    await run.logMetrics(metrics);
    await run.logArtifact(tmp.dir, 'bundle');
    await logTrainingArtifacts(run, tmp.dir, result.manifest);
    const registered = await registry.register(tmp.dir, {
      runId: run.runId,
      promote: opts.promote ?? loaded.config.registry.promote,
      ...(opts.alias ? { alias: opts.alias } : {}),
      description: `trained ${result.window.from}..${result.window.to} on feature version ${result.featureVersion}`,
    });
    await run.setTags({
      'cvc.registry_version': String(registered.version),
      'cvc.promoted': String(registered.promoted),
    });
    await run.end('FINISHED');
    log.info(
      { version: registered.version, promoted: registered.promoted, reason: registered.reason },
      'bundle registered',
    );
    return {
      ...result,
      bundleDir: registered.info.source,
      registered,
      registry: { backend: registry.backend, name: registry.name },
      trackingRunId: run.runId,
    };
  } catch (err) {
    // Bad usage (a window outside the data, no backtest choice...) leaves no FAILED run behind.
    await (err instanceof InputError ? run.discard() : run.end('FAILED')).catch(() => {});
    throw err;
  } finally {
    await tmp.cleanup();
    await tracker.close();
  }
}
