// The config's `models` section, derived from the registry entries.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@cvc/core';
import { loadCvcConfig, MODEL_ENTRIES, modelHistoryDays, modelSettings, parseCvcConfig } from '../src/index.js';

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cvc-models-config-')), 'cvc.yaml');
  writeFileSync(file, text);
  return file;
}

describe('models config section', () => {
  it('rejects an unknown key under models.<kind> as a ConfigError (exit 2) naming models.<kind>.<key>', () => {
    const file = yamlFile('models:\n  tft: { epochs: 3, epochz: 4 }\n');
    const err = (() => {
      try {
        loadCvcConfig(file);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as Error).message).toBe(`${file}: models.tft.epochz: expected no such key (a typo?), found 4`);
    // core alone knows no kinds and lets it through; the registry is what checks it.
    expect(parseConfig({ models: { tft: { epochz: 4 } } }).models['tft']).toEqual({ epochz: 4 });
  });

  it('checks types and choices from each model, and backtest.models against the registry', () => {
    const lgbm = (params: Record<string, unknown>) => () => parseCvcConfig({ models: { lgbm: params } });
    expect(lgbm({ numLeaves: 'many' })).toThrow(/models\.lgbm\.numLeaves: expected number/);
    expect(lgbm({ strategy: 'daily' })).toThrow(/models\.lgbm\.strategy: .*"horizon_feature"\|"per_horizon"/);
    const nbeats = () => parseCvcConfig({ models: { nbeats: { warmStart: 'yes' } } });
    expect(nbeats).toThrow(/models\.nbeats\.warmStart: expected boolean/);
    expect(() => parseCvcConfig({ models: { prophet: {} } })).toThrow(/models\.prophet: expected no such key/);
    const kinds = () => parseCvcConfig({ backtest: { models: ['lgbm', 'prophet'] } });
    expect(kinds).toThrow(/backtest\.models\.1: expected a model kind/);
  });

  it('passes sections on as written and fills a missing one with its entry defaults', () => {
    const models = { lgbm: { numOrigins: 52, learningRate: 0.05 }, tft: { epochs: '${E}' } };
    const c = parseCvcConfig({ models }, 'x', { E: '7' });
    expect(Object.keys(c.models)).toEqual(MODEL_ENTRIES.map((e) => e.kind));
    expect(Object.keys(c.models['lgbm']!)).toEqual(['numOrigins', 'learningRate']);
    expect(c.models['tft']).toEqual({ epochs: 7 });
    expect(c.models['nbeats']).toEqual({ timeBudgetSec: 1800, warmStart: true });
    expect(c.models['weekday_mean']).toEqual({ weeks: 4 });
    // Without the registry's check (core's parseConfig) the settings come out the same.
    expect(modelSettings(parseConfig({}).models, 'nbeats')).toEqual(modelSettings(parseCvcConfig({}).models, 'nbeats'));
  });

  it('leaves every model of the shipped config its safety cap, so demo scores do not follow machine load', () => {
    // Neural fits train for a budget in samples; a cap tighter than the entry's safety cap fires on a
    // busy machine (the default demo trained 1 epoch instead of 4-7 and lost 1-2.5 WAPE points).
    const shipped = loadCvcConfig(resolve(__dirname, '../../../configs/cvc.yaml')).config.models;
    const capped = MODEL_ENTRIES.filter((e) => typeof e.configDefaults['timeBudgetSec'] === 'number');
    expect(capped.map((e) => e.kind)).toEqual(expect.arrayContaining(['nbeats', 'tft']));
    const tighter = capped
      .map((e) => ({ kind: e.kind, cap: modelSettings(shipped, e.kind).timeBudgetSec ?? Infinity }))
      .filter((c, i) => c.cap < (capped[i]!.configDefaults['timeBudgetSec'] as number));
    expect(tighter).toEqual([]);
    for (const e of capped) expect(modelSettings(shipped, e.kind).warmStart).toBe(true);
  });

  it('derives the history a model reads from its params', () => {
    const ctx = { context: 90, horizon: 35 };
    expect(modelHistoryDays('lgbm', {}, ctx)).toBe(90 + 371);
    // 8 error origins a week apart before the horizon, then the method's own look-back.
    expect(modelHistoryDays('weekday_mean', { weeks: 4 }, ctx)).toBe(35 + 49 + 28);
    expect(modelHistoryDays('weekday_mean', { weeks: 10 }, ctx)).toBe(35 + 49 + 70);
    expect(modelHistoryDays('ets', {}, ctx)).toBe(35 + 49 + 365);
    expect(modelHistoryDays('nbeats', { scaleLookback: 120 }, ctx)).toBe(120);
    expect(modelHistoryDays('tft', {}, ctx)).toBe(90);
    const ensemble = { weights: { members: ['weekday_mean', 'lgbm'] }, memberParams: { weekday_mean: { weeks: 4 } } };
    expect(modelHistoryDays('ensemble', ensemble, ctx)).toBe(90 + 371);
  });
});
