// Train, then register: the bundle becomes a new registry version (local or MLflow), the training
// run is tracked, and the promotion rule (config registry.promote, or --promote) decides whether it
// becomes champion.
import { mkdir } from 'node:fs/promises';
import { InputError, silentLogger } from '@cvc/core';
import { openRegistry, openTracker, registrySettings, trackingSettings, type PromoteRule, type RegisterResult } from '@cvc/mlops';
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

export async function trainAndRegister(opts: TrainAndRegisterOptions): Promise<TrainAndRegisterResult> {
  const { loaded } = opts;
  const log = opts.log ?? silentLogger;
  const registry = openRegistry(registrySettings(loaded), { log });
  const tracker = await openTracker(trackingSettings(loaded), { log });
  await mkdir(loaded.paths.registry, { recursive: true });
  const tmp = await tempBundleDir(loaded.paths.registry);
  const run = await tracker.startRun({ name: `train ${opts.from}..${opts.to ?? 'last'}`, tags: { 'cvc.step': 'train', ...(opts.runId ? { 'cvc.run_id': opts.runId } : {}) } });
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
    const registered = await registry.register(tmp.dir, {
      runId: run.runId,
      promote: opts.promote ?? loaded.config.registry.promote,
      ...(opts.alias ? { alias: opts.alias } : {}),
      description: `trained ${result.window.from}..${result.window.to} on feature version ${result.featureVersion}`,
    });
    await run.setTags({ 'cvc.registry_version': String(registered.version), 'cvc.promoted': String(registered.promoted) });
    await run.end('FINISHED');
    log.info({ version: registered.version, promoted: registered.promoted, reason: registered.reason }, 'bundle registered');
    return { ...result, bundleDir: registered.info.source, registered, registry: { backend: registry.backend, name: registry.name }, trackingRunId: run.runId };
  } catch (err) {
    // Bad usage (a window outside the data, no backtest choice...) leaves no FAILED run behind.
    await (err instanceof InputError ? run.discard() : run.end('FAILED')).catch(() => {});
    throw err;
  } finally {
    await tmp.cleanup();
    await tracker.close();
  }
}
