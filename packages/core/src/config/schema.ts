// The one schema of cvc's YAML config, with every default in one place.
import { z } from 'zod';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine(isCalendarDay, 'a real calendar day as YYYY-MM-DD');

/** 2024-02-29 is a day, 2021-02-30 is not (Date would roll it over to March). */
export function isCalendarDay(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.toISOString().slice(5, 10) === `${m[2]}-${m[3]}`;
}
/** Names that become SQL identifiers (tables, columns): letters, digits, underscores; dots for schema.table. */
export const sqlName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'a SQL name (letters, digits, _; optional schema.)');

const columnsSchema = z
  .object({
    storeId: sqlName.default('store_id'),
    date: sqlName.default('sale_date'),
    sales: sqlName.default('gross_sales'),
    nSales: sqlName.nullable().default('n_sales'),
    isOpen: sqlName.nullable().default('is_open'),
    updatedAt: sqlName.nullable().default('updated_at'),
    /** Extra source columns carried into the feature table as past covariates. */
    extra: z.array(sqlName).default([]),
    /**
     * Source columns known ahead (a school-holiday flag, a marketing calendar): numeric, carried into
     * the feature table as known-future covariates; rows dated after the as-of date give the forecast window.
     */
    future: z.array(sqlName).default([]),
  })
  .strict();

const staticColumnSchema = z
  .object({
    column: sqlName.refine((n) => !n.includes('.'), 'a column name (letters, digits, _)'),
    kind: z.enum(['number', 'category']),
  })
  .strict();

/** One configured store static: its source column (also its name downstream) and its kind. */
export type StaticColumn = z.infer<typeof staticColumnSchema>;

const storeColumnsSchema = z
  .object({
    storeId: sqlName.default('store_id'),
    name: sqlName.default('store_name'),
    state: sqlName.default('state'),
    city: sqlName.default('city'),
    format: sqlName.default('format'),
    openedOn: sqlName.default('opened_on'),
    closedOn: sqlName.nullable().default('closed_on'),
    /**
     * Store attributes from the store master carried to every model as static covariates, each declared
     * a number (e.g. size_m2: a finite value for every store) or a category (e.g. assortment).
     */
    statics: z.array(staticColumnSchema).default([]),
  })
  .strict();

const sourceSchema = z
  .object({
    kind: z.enum(['duckdb', 'mssql', 'files']).default('duckdb'),
    duckdb: z
      .object({ path: z.string().default('../data/demo/source.duckdb') })
      .strict()
      .default({ path: '../data/demo/source.duckdb' }),
    mssql: z
      .object({
        server: z.string(),
        database: z.string(),
        port: z.number().int().positive().default(1433),
        authentication: z.enum(['sql', 'azure-ad-token']).default('sql'),
        user: z.string().optional(),
        password: z.string().optional(),
        token: z.string().optional(),
        encrypt: z.boolean().default(true),
        batchSize: z.number().int().positive().default(20_000),
        requestTimeoutMs: z.number().int().positive().default(300_000),
        maxRetries: z.number().int().min(0).default(5),
      })
      .strict()
      .optional(),
    files: z
      .object({
        sales: z.string().describe('glob of CSV or Parquet files with daily sales'),
        stores: z.string().describe('glob of CSV or Parquet files with the store master'),
        promotions: z.string().optional(),
        holidays: z.string().optional(),
        /** Planned opening schedule: store_id, weekday (0 = Monday) or schedule_date, is_open. */
        storeSchedule: z.string().optional(),
      })
      .strict()
      .optional(),
    tables: z
      .object({
        sales: sqlName.default('daily_sales'),
        stores: sqlName.default('stores'),
        promotions: sqlName.nullable().default('promotions'),
        holidays: sqlName.nullable().default('state_holidays'),
        /** Planned opening schedule (store_id, weekday or schedule_date, is_open); null: none. */
        storeSchedule: sqlName.nullable().default(null),
      })
      .strict()
      .prefault({}),
    columns: columnsSchema.prefault({}),
    storeColumns: storeColumnsSchema.prefault({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.kind === 'mssql' && !s.mssql)
      ctx.addIssue({ code: 'custom', path: ['mssql'], message: 'required when kind is mssql' });
    if (s.kind === 'files' && !s.files)
      ctx.addIssue({ code: 'custom', path: ['files'], message: 'required when kind is files' });
  });

const lakeSchema = z
  .object({
    root: z.string().default('../data/lake'),
    /** Local working directory (reports, checkpoints, spill) when root is a URL; default ../data. */
    localDir: z.string().optional(),
    checkpointInterval: z.number().int().positive().default(10),
    /** Size OPTIMIZE packs clustered files toward (Delta's default target, 128 MB). */
    targetFileSizeMb: z.number().positive().max(4096).default(128),
    tables: z
      .object({
        features: sqlName.default('features'),
        quarantine: sqlName.default('quarantine'),
        promotions: sqlName.default('promotions'),
        holidays: sqlName.default('state_holidays'),
        stores: sqlName.default('stores'),
        storeSchedule: sqlName.default('store_schedule'),
        backtestForecasts: sqlName.default('backtest_forecasts'),
        backtestMetrics: sqlName.default('backtest_metrics'),
        modelChoice: sqlName.default('model_choice'),
        forecasts: sqlName.default('bip_vprevisao_lojas_futuro'),
        futureCovariates: sqlName.default('future_covariates'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

const ingestSchema = z
  .object({
    lookbackDays: z.number().int().min(0).default(7),
    maxDailySales: z.number().positive().default(2_000_000),
    maxNSales: z.number().positive().default(20_000),
    pandemic: z.object({ from: isoDate, to: isoDate }).strict().default({ from: '2020-03-15', to: '2021-12-31' }),
    strict: z.boolean().default(false),
  })
  .strict()
  .prefault({});

const forecastSchema = z
  .object({
    horizon: z.number().int().positive().max(365).default(35),
    context: z.number().int().positive().default(90),
    seed: z.number().int().default(42),
  })
  .strict()
  .prefault({});

const backtestSchema = z
  .object({
    // Kinds are checked against the model registry (@cvc/models' cvcConfigSchema).
    models: z.array(z.string().min(1)).default(['lgbm', 'nbeats', 'tft']),
    folds: z.number().int().positive().default(4),
    stride: z.number().int().positive().default(28),
    gap: z.number().int().min(0).default(0),
    window: z.enum(['expanding', 'fixed']).default('expanding'),
    windowDays: z.number().int().positive().default(730),
    minHistory: z.number().int().positive().default(180),
    /** Within this relative WAPE of the best, the cheaper model wins. */
    tieTolerance: z.number().min(0).default(0.01),
    workers: z.number().int().positive().default(2),
    /** Forecast-vs-actual SVGs logged with the run: the worst stores (chosen model's WAPE) and the first by id. */
    storeCharts: z
      .object({ worst: z.number().int().min(0).default(10), first: z.number().int().min(0).default(5) })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

// One section per model kind, `models.<kind>`: core knows no kinds, so @cvc/models' cvcConfigSchema
// checks each section against its kind's params schema and fills a missing one with its defaults.
const modelsSchema = z.record(z.string(), z.record(z.string(), z.unknown())).prefault({});

const trackingSchema = z
  .object({
    /** MLflow tracking URI; empty means local tracking in Delta tables. MLFLOW_TRACKING_URI also counts. */
    uri: z.string().nullable().default(null),
    experiment: z.string().default('cvc-forecast'),
    token: z.string().optional(),
    root: z.string().default('../data/tracking'),
  })
  .strict()
  .prefault({});

const registrySchema = z
  .object({
    // A directory name under registry.root and an MLflow model name: never '.', '..' or hidden.
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'a registry name (letters, digits, _ . -; a letter or digit first)')
      .refine((n) => !n.includes('..'), 'a registry name without ".."')
      .default('cvc-forecaster'),
    root: z.string().default('../data/registry'),
    /**
     * manual: only `cvc models promote`; better-wape: a new version becomes champion when its backtest
     * WAPE beats it.
     */
    promote: z.enum(['manual', 'better-wape', 'always']).default('better-wape'),
    /** HMAC-SHA256 key (use ${ENV}): train signs bundles with it, infer runs only bundles signed with it. */
    signingKey: z.string().min(16, 'at least 16 characters').optional(),
    /** mlflow: the MLflow Model Registry; unity-catalog: Databricks UC (name catalog.schema.model). */
    kind: z.enum(['mlflow', 'unity-catalog']).default('mlflow'),
  })
  .strict()
  .prefault({});

const inferSchema = z
  .object({
    alias: z.string().default('champion'),
    staleDays: z.number().int().positive().default(7),
    lockTimeoutSec: z.number().positive().default(120),
    /** A lock older than this is stale whatever it says (a run hung or killed without cleanup). */
    lockMaxAgeSec: z
      .number()
      .positive()
      .default(6 * 3600),
  })
  .strict()
  .prefault({});

const demoSchema = z
  .object({
    stores: z.number().int().positive().default(150),
    from: isoDate.default('2019-01-01'),
    asOf: isoDate.default('2025-12-31'),
    seed: z.number().int().default(42),
    trainFrom: z.string().default('2021'),
    /** Days of `cvc daily` the demo simulates after training (0: none). */
    simulateDays: z.number().int().min(0).default(14),
  })
  .strict()
  .prefault({});

const trainSchema = z
  .object({
    /** First training day of `cvc train` when --from is not given: a year (2021) or YYYY-MM-DD. */
    from: z
      .string()
      .regex(/^\d{4}(-\d{2}-\d{2})?$/, 'a year (2021) or a date as YYYY-MM-DD')
      .nullable()
      .default(null),
    /** Models fitted at once, each on its own worker thread (1: one after the other, in-process). */
    workers: z.number().int().positive().default(2),
  })
  .strict()
  .prefault({});

const uiSchema = z
  .object({
    /** BCP 47 locale for numbers and money in every output (en-US, pt-BR); null: from LC_ALL / LANG. */
    locale: z
      .string()
      .refine((l) => {
        try {
          return Intl.NumberFormat.supportedLocalesOf([l]).length > 0;
        } catch {
          return false;
        }
      }, 'a locale as a BCP 47 tag, e.g. en-US or pt-BR')
      .nullable()
      .default(null),
  })
  .strict()
  .prefault({});

const monitorSchema = z
  .object({
    /** Rolling window of observed forecast days the accuracy metrics cover. */
    windowDays: z.number().int().positive().default(28),
    /** Drift: rolling WAPE above this multiple of the bundle's backtest WAPE (store or chain). */
    driftRatio: z.number().positive().default(1.5),
    /** Share of actuals inside p10-p90 below which coverage alerts. */
    minCoverage: z.number().min(0).max(1).default(0.65),
    /** Share above which coverage alerts too: intervals too wide (15 points over the nominal 80 %, as 0.65 under). */
    maxCoverage: z.number().min(0).max(1).default(0.95),
    /**
     * A store's coverage alert also needs its observed days to be this unlikely under the nominal 80 %
     * (binomial tail over days): a calibrated store covers all of 10 days with probability 0.8^10 = 11 %.
     */
    coverageAlpha: z.number().gt(0).max(1).default(0.05),
    /** |bias| (sum(yhat - actual) / sum(actual)) above this alerts. */
    maxBias: z.number().positive().default(0.1),
    /** A store needs this many observed open days in the window before it can alert. */
    minDays: z.number().int().positive().default(7),
    maxStaleDays: z.number().int().positive().default(3),
    maxModelAgeDays: z.number().int().positive().default(90),
    /** Late corrections of actuals are looked for this many days back from the last observed day. */
    lookbackDays: z.number().int().min(0).default(14),
  })
  .strict()
  .prefault({});

const dailySchema = z
  .object({
    /** Attempts after the first one for a step that failed for a transient reason. */
    retries: z.number().int().min(0).default(3),
    backoffMs: z.number().int().min(0).default(2_000),
  })
  .strict()
  .prefault({});

const alertsSchema = z
  .object({
    /** URL that receives the alerts as JSON (HTTP POST); `${ENV}` keeps a secret out of the file. */
    // Checked where it is used, so an error never echoes the URL (it may carry a token).
    webhook: z.string().nullable().default(null),
    timeoutMs: z.number().int().positive().default(5_000),
    retries: z.number().int().min(0).default(2),
  })
  .strict()
  .prefault({});

export const configSchema = z
  .object({
    source: sourceSchema.prefault({}),
    lake: lakeSchema,
    ingest: ingestSchema,
    forecast: forecastSchema,
    backtest: backtestSchema,
    models: modelsSchema,
    tracking: trackingSchema,
    registry: registrySchema,
    infer: inferSchema,
    demo: demoSchema,
    train: trainSchema,
    ui: uiSchema,
    monitor: monitorSchema,
    daily: dailySchema,
    alerts: alertsSchema,
  })
  .strict();

export type CvcConfig = z.infer<typeof configSchema>;
