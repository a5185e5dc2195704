// Test doubles: a constant-value Forecaster that meets the core contract and saves itself as JSON,
// its factory, and builders for series and bundles.
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FitReport, Forecaster, ForecasterFactory, QuantileForecast, StoreSeries } from '@cvc/core';
import { addDays, formatIsoDay, parseIsoDay } from '@cvc/core';
import { writeBundle, type WriteBundleInput } from '../src/index.js';

export class ConstantForecaster implements Forecaster {
  constructor(
    readonly kind: string,
    readonly params: Record<string, unknown>,
  ) {}
  get value(): number {
    return Number(this.params.value ?? 0);
  }
  async fit(): Promise<FitReport> {
    return { seconds: 0, metrics: {} };
  }
  async predict(series: readonly StoreSeries[], horizon: number): Promise<QuantileForecast[]> {
    return series.map((s) => ({
      storeId: s.storeId,
      start: formatIsoDay(addDays(parseIsoDay(s.start), s.sales.length)), // the day after the history
      p10: new Float64Array(horizon).fill(this.value - 1),
      p50: new Float64Array(horizon).fill(this.value),
      p90: new Float64Array(horizon).fill(this.value + 1),
    }));
  }
  async save(dir: string): Promise<void> {
    await mkdir(join(dir, 'extra'), { recursive: true });
    await writeFile(join(dir, 'model.json'), JSON.stringify({ kind: this.kind, params: this.params }));
    await writeFile(join(dir, 'extra', 'scaler.json'), JSON.stringify({ mean: 1, std: 2 }));
    const pad = Number(this.params.padBytes ?? 0);
    if (pad > 0) await writeFile(join(dir, 'weights.bin'), Buffer.alloc(pad, 7));
  }
}

export function constantFactory(kind: string): ForecasterFactory {
  return {
    kind,
    create: (params) => new ConstantForecaster(kind, params),
    load: async (dir) => {
      const raw = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { params: Record<string, unknown> };
      return new ConstantForecaster(kind, raw.params);
    },
  };
}

export const factories = [constantFactory('lgbm'), constantFactory('seasonal_naive'), constantFactory('nbeats')];

export function series(storeId: string, days: number): StoreSeries {
  return { storeId, start: '2025-01-01', sales: new Float64Array(days).fill(5), past: {}, future: {}, statics: {} };
}

export async function tempDir(prefix = 'mlops-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export function bundleInput(overrides: Partial<WriteBundleInput> = {}, wape = 0.2): WriteBundleInput {
  return {
    models: new Map<string, Forecaster>([
      ['lgbm', new ConstantForecaster('lgbm', { value: 10 })],
      ['seasonal_naive', new ConstantForecaster('seasonal_naive', { value: 3 })],
    ]),
    routing: { stores: { '1': 'lgbm', '2': 'seasonal_naive' }, fallback: 'seasonal_naive' },
    horizon: 35,
    context: 90,
    trainingWindow: { from: '2023-01-01', to: '2025-06-30' },
    lineage: { featureTable: '/lake/features', deltaVersion: 7 },
    configHash: 'abc',
    backtest: { wape, folds: 4, byModel: { lgbm: { wape: 0.2 }, seasonal_naive: { wape: 0.3 } } },
    ...overrides,
  };
}

export async function makeBundle(dir: string, wape = 0.2): Promise<string> {
  await writeBundle(dir, bundleInput({}, wape));
  return dir;
}
