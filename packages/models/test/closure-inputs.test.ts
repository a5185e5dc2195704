// Closure-aware known-future inputs for N-BEATS and TFT (closureFeatures): the shared feature
// declaration adds days since the last closure, days until the next planned one and the closed days
// just before, computed from is_open exactly as LightGBM's closure features are.
import { describe, expect, it } from 'vitest';
import { closureDistances } from '../src/lgbm/features.js';
import { CLOSURE_INPUTS, buildFeatureSpec, futureWidth, prepareStore } from '../src/tft/features.js';
import { syntheticStores } from './tf-synthetic.js';

const series = syntheticStores({ stores: 3, minDays: 120, maxDays: 120, extraDays: 14, seed: 2 });

describe('closure inputs', () => {
  it('are absent by default and declared after the other known-future inputs when asked for', () => {
    const names = (on: boolean) => buildFeatureSpec(series, 28, on).future.map((v) => v.name);
    for (const n of CLOSURE_INPUTS) expect(names(false)).not.toContain(n);
    expect(names(true).slice(-3)).toEqual([...CLOSURE_INPUTS]);
  });

  it('carry closureDistances of is_open over history and the forecast window, standardised', () => {
    const spec = buildFeatureSpec(series, 28, true);
    const W = futureWidth(spec);
    // Store 1 is a street store closed on Sundays: distances vary.
    const s = series[1]!;
    const prepared = prepareStore(s, spec);
    const c = closureDistances(s.future['is_open']!.subarray(0, prepared.days));
    let off = 0;
    const at: Record<string, number> = {};
    for (const v of spec.future) {
      at[v.name] = off;
      off += v.width;
    }
    const { mean, std } = spec.norm['days_since_closed']!;
    for (let i = 0; i < prepared.days; i++) {
      expect(prepared.future[i * W + at['days_since_closed']!]).toBeCloseTo((c.since[i]! - mean) / std, 5);
      expect(prepared.future[i * W + at['days_until_closed']!]).toBeCloseTo((c.until[i]! - mean) / std, 5);
      expect(prepared.future[i * W + at['closed_days_before']!]).toBeCloseTo((c.runBefore[i]! - mean) / std, 5);
    }
    expect(new Set(Array.from(c.until)).size).toBeGreaterThan(3);
  });
});
