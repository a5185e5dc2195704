// `cvc predict`: forecasts for the (store, as-of date, horizon) rows it is given, read from the same
// feature table and built by the same inferSeries() as `cvc infer`, returned instead of written. The
// bundle's MLflow pyfunc loader (bundle/pyfunc.ts in @cvc/mlops) runs it, so an MLflow model's numbers
// are exactly infer's.
import { DuckDBInstance } from '@duckdb/node-api';
import {
  InputError,
  formatIsoDay,
  isCalendarDay,
  parseIsoDay,
  silentLogger,
  type LoadedConfig,
  type Logger,
} from '@cvc/core';
import { forecasterFactories } from '@cvc/models';
import { lakeTables, lastFeatureDay } from '@cvc/feature-table';
import { readBundle, readManifest } from '@cvc/mlops';
import { z } from 'zod';
import { inferSeries, type SkippedStore } from './infer.js';

export interface PredictRequest {
  storeId: string;
  asOf: string;
  /** Days ahead; default the bundle's horizon. */
  horizon?: number;
}

/** One row shaped like bip_vprevisao_lojas_futuro's (dates as YYYY-MM-DD, created_at ISO). */
export interface PredictedRow {
  store_id: string;
  forecast_date: string;
  horizon_day: number;
  as_of_date: string;
  yhat: number;
  yhat_lower: number;
  yhat_upper: number;
  model: string;
  bundle_version: string;
  run_id: string;
  created_at: string;
}

export interface PredictSkip extends Omit<SkippedStore, 'reason'> {
  asOf: string;
  reason: SkippedStore['reason'] | 'unknown';
}

const requestRow = z
  .object({
    store_id: z.union([z.string().min(1), z.number().int()]).transform(String),
    // pandas writes datetimes as ISO strings; only the day counts.
    as_of_date: z
      .string()
      .transform((v) => v.slice(0, 10))
      .refine(isCalendarDay, 'a calendar day as YYYY-MM-DD'),
    horizon: z.number().int().positive().nullish(),
  })
  .loose();

/** Parses the request rows (a JSON array of {store_id, as_of_date, horizon?}); errors name the row and field. */
export function parsePredictRequests(raw: unknown, source: string): PredictRequest[] {
  if (!Array.isArray(raw))
    throw new InputError(`${source}: expected a JSON array of {store_id, as_of_date, horizon?} rows`);
  if (raw.length === 0) throw new InputError(`${source}: no rows to predict`);
  return raw.map((row, i) => {
    const r = requestRow.safeParse(row);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new InputError(
        `${source}: row ${i}, field ${issue.path.map(String).join('.') || '(row)'}: ${issue.message}`,
      );
    }
    return {
      storeId: r.data.store_id,
      asOf: r.data.as_of_date,
      ...(r.data.horizon ? { horizon: r.data.horizon } : {}),
    };
  });
}

export async function predictRows(opts: {
  loaded: LoadedConfig;
  bundleDir: string;
  bundleVersion: string;
  requests: readonly PredictRequest[];
  runId: string;
  log?: Logger;
}): Promise<{ rows: PredictedRow[]; skipped: PredictSkip[] }> {
  const log = opts.log ?? silentLogger;
  const manifest = await readManifest(opts.bundleDir);
  for (const r of opts.requests) {
    if (r.horizon !== undefined && r.horizon > manifest.horizon) {
      throw new InputError(
        `horizon ${r.horizon} (store ${r.storeId}): the bundle was trained for 1..${manifest.horizon} days`,
      );
    }
  }
  const factories = await forecasterFactories(manifest.models.map((m) => m.kind));
  const forecaster = await readBundle(opts.bundleDir, factories, {
    signingKey: opts.loaded.config.registry.signingKey,
  });
  // One model call per (as-of date, horizon), as one infer run per as-of date would make.
  const groups = new Map<string, { asOf: string; horizon: number; stores: Set<string> }>();
  for (const r of opts.requests) {
    const horizon = r.horizon ?? manifest.horizon;
    const key = `${r.asOf}|${horizon}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { asOf: r.asOf, horizon, stores: new Set() }));
    g.stores.add(r.storeId);
  }
  const createdAt = new Date().toISOString();
  const rows: PredictedRow[] = [];
  const skipped: PredictSkip[] = [];
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const lastDay = await lastFeatureDay(conn, lakeTables(opts.loaded));
    for (const g of [...groups.values()].sort((a, b) => a.asOf.localeCompare(b.asOf))) {
      if (!lastDay || g.asOf > lastDay) {
        throw new InputError(
          `as_of_date ${g.asOf}: the feature table ends ${lastDay ?? '(empty)'}; run \`cvc ingest\` first`,
        );
      }
      const { ready, skipped: out, withFuture } = await inferSeries(conn, opts.loaded, manifest, g);
      const seen = new Set([...ready, ...out].map((s) => s.storeId));
      for (const s of out) skipped.push({ ...s, asOf: g.asOf });
      for (const id of g.stores)
        if (!seen.has(id)) skipped.push({ storeId: id, reason: 'unknown', lastDataDay: null, asOf: g.asOf });
      if (ready.length === 0) continue;
      for (const f of await forecaster.predict({ series: withFuture, horizon: g.horizon })) {
        const start = parseIsoDay(f.start);
        for (let k = 0; k < g.horizon; k++) {
          rows.push({
            store_id: f.storeId,
            forecast_date: formatIsoDay(start + k),
            horizon_day: k + 1,
            as_of_date: g.asOf,
            yhat: f.p50[k]!,
            yhat_lower: f.p10[k]!,
            yhat_upper: f.p90[k]!,
            model: f.modelKind,
            bundle_version: opts.bundleVersion,
            run_id: opts.runId,
            created_at: createdAt,
          });
        }
      }
    }
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  if (skipped.length > 0)
    log.warn({ skipped: skipped.slice(0, 20) }, 'stores not forecast (closed, stale or not in the feature table)');
  return { rows, skipped };
}
