// The bundle manifest: what a trained UnifiedForecaster is made of, where its data came from and a
// sha256 for every file, so infer can refuse a bundle that was tampered with or copied half-way.
import { intervalCalibrationSchema, type StoreSeries } from '@cvc/core';
import { z } from 'zod';

/**
 * Bumped when a reader of the previous version could not read the new layout correctly. 2: a model's
 * `calibration` may carry a seasonal difficulty profile (`season`), which a version-1 reader would
 * reject; version-1 bundles still load (their calibration applies as before). 3: it may carry offsets
 * per known-future day class (`classes`), which a version-2 reader would reject; older bundles load.
 * 4: it may carry the width rule (`widthScale`, the final model's raw widths brought to the backtest's),
 * which a version-3 reader would reject; older bundles load (their offsets apply on the raw widths).
 */
export const BUNDLE_FORMAT_VERSION = 4;
export const MANIFEST_FILE = 'manifest.json';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

/** A path inside the bundle: relative, forward slashes, no `.`/`..` segments, no empty segments. */
export const bundlePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.includes('\\') && !/^[A-Za-z]:/.test(p), 'a relative path with / separators')
  .refine(
    (p) => p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    'a path without ., .. or empty segments',
  );

const kindName = z.string().regex(/^[A-Za-z0-9_-]+$/, 'a model kind (letters, digits, _ and -)');

export const bundleFileSchema = z
  .object({
    path: bundlePath,
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256'),
    bytes: z.number().int().min(0),
  })
  .strict();

export const routingSchema = z
  .object({
    /** store id -> model kind chosen for it by the backtest. */
    stores: z.record(z.string(), kindName),
    /** Kind used for stores the bundle has not seen, or with less history than `context` days. */
    fallback: kindName,
  })
  .strict();

export const backtestSummarySchema = z
  .object({
    /** WAPE of the routed choice over all backtest folds and stores (lower is better); promotion compares it. */
    wape: z.number().nullable(),
    folds: z.number().int().min(0).optional(),
    /** Overall metrics per model kind, e.g. { lgbm: { wape: 0.12, coverage80: 0.79 } }. */
    byModel: z.record(z.string(), z.record(z.string(), z.number())).default({}),
    /** Optional per-store WAPE of the chosen kind, kept small enough to read in the manifest. */
    byStore: z.record(z.string(), z.number()).optional(),
  })
  .strict();

export const covariatesSchema = z
  .object({
    past: z.array(z.string()),
    future: z.array(z.string()),
    /**
     * Category statics (format, state, city, source.storeColumns.statics of kind category) with the
     * values seen at training: each model's code map; a value not listed reads as unseen.
     */
    statics: z.record(z.string(), z.array(z.string())),
    /** Number statics (source.storeColumns.statics of kind number); every store needs a finite value. */
    numericStatics: z.array(z.string()).optional(),
  })
  .strict();

export const manifestSchema = z
  .object({
    formatVersion: z.number().int().positive(),
    bundleId: z.string().min(1),
    createdAt: z.iso.datetime({ offset: true }),
    cvcVersion: z.string().min(1),
    configHash: z.string().min(1),
    horizon: z.number().int().positive(),
    context: z.number().int().positive(),
    quantiles: z.array(z.enum(['p10', 'p50', 'p90'])).default(['p10', 'p50', 'p90']),
    trainingWindow: z.object({ from: isoDate, to: isoDate }).strict(),
    lineage: z
      .object({
        featureTable: z.string().min(1),
        /** Delta version of the feature table the models were trained on. */
        deltaVersion: z.number().int().min(0),
        trackingRunId: z.string().optional(),
      })
      .strict(),
    routing: routingSchema,
    models: z
      .array(
        z
          .object({
            kind: kindName,
            dir: bundlePath,
            params: z.record(z.string(), z.unknown()).default({}),
            /** Days of history up to the forecast origin the model reads; absent in bundles written before it. */
            historyDays: z.number().int().positive().optional(),
          })
          .strict(),
      )
      .min(1),
    backtest: backtestSummarySchema,
    /** Per model kind, the conformal p10/p90 offsets the backtest learned; applied to every forecast. */
    calibration: z.record(kindName, intervalCalibrationSchema).optional(),
    /**
     * The input columns the models were trained with (the series' past, known-future and static covariates);
     * infer refuses the bundle when the lake lacks one. Absent in bundles written before it.
     */
    covariates: covariatesSchema.optional(),
    files: z.array(bundleFileSchema),
  })
  .strict()
  .superRefine((m, ctx) => {
    const kinds = new Set(m.models.map((x) => x.kind));
    if (kinds.size !== m.models.length)
      ctx.addIssue({ code: 'custom', path: ['models'], message: 'a model kind appears twice' });
    if (!kinds.has(m.routing.fallback)) {
      ctx.addIssue({
        code: 'custom',
        path: ['routing', 'fallback'],
        message: `fallback kind "${m.routing.fallback}" has no model`,
      });
    }
    for (const [store, kind] of Object.entries(m.routing.stores)) {
      if (!kinds.has(kind))
        ctx.addIssue({ code: 'custom', path: ['routing', 'stores', store], message: `kind "${kind}" has no model` });
    }
  });

export type BundleManifest = z.infer<typeof manifestSchema>;

/**
 * Days of feature history infer reads for this bundle: what its most demanding model declared.
 * Bundles written before models declared it get what infer always read: the context plus 371 days
 * (LightGBM's 364-day lags and means with a week to spare), enough for every model of that time.
 */
export function bundleHistoryDays(m: Pick<BundleManifest, 'context' | 'models'>): number {
  const declared = m.models.map((x) => x.historyDays);
  if (declared.some((d) => d === undefined)) return m.context + 371;
  return Math.max(m.context, ...(declared as number[]));
}
export type BundleFile = z.infer<typeof bundleFileSchema>;
export type BundleCovariates = z.infer<typeof covariatesSchema>;
export type Routing = z.infer<typeof routingSchema>;
export type BacktestSummary = z.input<typeof backtestSummarySchema>;

/** Only the version field, read first so a newer bundle gets a version error, not a schema error. */
export const manifestHeadSchema = z.object({ formatVersion: z.number().int().positive() }).loose();

/** The covariates a set of training series carries, as the manifest lists them. */
export function covariatesOf(series: readonly StoreSeries[]): BundleCovariates {
  const first = series[0];
  const statics: Record<string, string[]> = {};
  for (const name of Object.keys(first?.statics ?? {}).sort())
    statics[name] = [...new Set(series.map((s) => s.statics[name] ?? ''))].sort();
  const numericStatics = Object.keys(first?.numericStatics ?? {}).sort();
  return {
    past: Object.keys(first?.past ?? {}).sort(),
    future: Object.keys(first?.future ?? {}).sort(),
    statics,
    ...(numericStatics.length > 0 ? { numericStatics } : {}),
  };
}

/** The covariates the bundle was trained with that `s` lacks, as `past "x"` / `future "y"` / `static "z"`. */
export function missingCovariates(m: Pick<BundleManifest, 'covariates'>, s: StoreSeries): string[] {
  const c = m.covariates;
  if (!c) return [];
  return [
    ...c.past.filter((n) => !(n in s.past)).map((n) => `past "${n}"`),
    ...c.future.filter((n) => !(n in s.future)).map((n) => `future "${n}"`),
    ...Object.keys(c.statics)
      .filter((n) => !(n in s.statics))
      .map((n) => `static "${n}"`),
    ...(c.numericStatics ?? [])
      .filter((n) => !Number.isFinite(s.numericStatics?.[n] ?? NaN))
      .map((n) => `static "${n}"`),
  ];
}
