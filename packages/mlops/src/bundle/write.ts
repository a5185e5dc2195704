// Writes a bundle directory: each model saved by its own Forecaster.save() under models/<kind>/,
// then a manifest with a sha256 per file. Built in a sibling temp directory and renamed into place,
// so a crash never leaves a half-written bundle that looks complete.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Forecaster, IntervalCalibration } from '@cvc/core';
import { MlopsInputError } from '../errors.js';
import { describeFiles, listFiles } from './files.js';
import {
  BUNDLE_FORMAT_VERSION,
  MANIFEST_FILE,
  manifestSchema,
  type BacktestSummary,
  type BundleCovariates,
  type BundleManifest,
  type Routing,
} from './manifest.js';
import { writeMlflowModel } from './pyfunc.js';
import { signBundle } from './signature.js';
import { cvcVersion } from './version.js';

export interface WriteBundleInput {
  /** One fitted model per kind; every kind in `routing` must be here. */
  models: ReadonlyMap<string, Forecaster>;
  routing: Routing;
  horizon: number;
  context: number;
  trainingWindow: { from: string; to: string };
  lineage: { featureTable: string; deltaVersion: number; trackingRunId?: string };
  /** From configHash(config). */
  configHash: string;
  backtest: BacktestSummary;
  /** Per model kind, the days of history up to the forecast origin it reads (its registry entry's historyDays). */
  historyDays?: Readonly<Record<string, number>>;
  /** Interval calibration per model kind (kinds not in `models` are dropped). */
  calibration?: Record<string, IntervalCalibration>;
  /** The covariates the models were trained with (see covariatesOf). */
  covariates?: BundleCovariates;
  bundleId?: string;
  createdAt?: Date;
  cvcVersion?: string;
  /** registry.signingKey: sign the manifest (manifest.sig); the key itself is not written. */
  signingKey?: string | undefined;
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

export async function writeBundle(dir: string, input: WriteBundleInput): Promise<BundleManifest> {
  const target = resolve(dir);
  if (!(await isEmptyOrMissing(target)))
    throw new MlopsInputError(`${target}: bundle directory exists and is not empty`);
  for (const [kind, model] of input.models) {
    if (model.kind !== kind)
      throw new MlopsInputError(`bundle models: key "${kind}" holds a model of kind "${model.kind}"`);
  }
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${randomUUID()}`);
  await mkdir(tmp, { recursive: true });
  try {
    const models: BundleManifest['models'] = [];
    for (const [kind, model] of [...input.models].sort(([a], [b]) => a.localeCompare(b))) {
      const rel = `models/${kind}`;
      await model.save(join(tmp, 'models', kind));
      const history = input.historyDays?.[kind];
      models.push({ kind, dir: rel, params: model.params, ...(history !== undefined ? { historyDays: history } : {}) });
    }
    const bundleId = input.bundleId ?? randomUUID();
    const createdAt = input.createdAt ?? new Date();
    const version = input.cvcVersion ?? cvcVersion();
    // The bundle is an MLflow model too (MLmodel + loader); the example is a store it routes, on its last training day.
    await writeMlflowModel(tmp, {
      bundleId,
      createdAt,
      cvcVersion: version,
      bundleFormatVersion: BUNDLE_FORMAT_VERSION,
      horizon: input.horizon,
      exampleStore: Object.keys(input.routing.stores).sort()[0] ?? '1',
      exampleAsOf: input.trainingWindow.to,
    });
    const paths = await listFiles(tmp, new Set([MANIFEST_FILE]));
    const draft = {
      formatVersion: BUNDLE_FORMAT_VERSION,
      bundleId,
      createdAt: createdAt.toISOString(),
      cvcVersion: version,
      configHash: input.configHash,
      horizon: input.horizon,
      context: input.context,
      quantiles: ['p10', 'p50', 'p90'],
      trainingWindow: input.trainingWindow,
      lineage: input.lineage,
      routing: input.routing,
      models,
      backtest: input.backtest,
      ...(input.calibration
        ? { calibration: Object.fromEntries(Object.entries(input.calibration).filter(([k]) => input.models.has(k))) }
        : {}),
      ...(input.covariates ? { covariates: input.covariates } : {}),
      files: await describeFiles(tmp, paths),
    };
    // The schema check here catches a routing that names a kind without a model before anything is published.
    const parsed = manifestSchema.safeParse(draft);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new MlopsInputError(`bundle manifest ${issue.path.map(String).join('.')}: ${issue.message}`);
    }
    await writeFile(join(tmp, MANIFEST_FILE), `${JSON.stringify(parsed.data, null, 2)}\n`);
    if (input.signingKey) await signBundle(tmp, input.signingKey);
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
    return parsed.data;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
