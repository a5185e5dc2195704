// The training run's artifacts beside the bundle: the manifest, and LightGBM feature importance (gain
// and split, JSON and SVG) checked against LightGBM's own Booster.feature_importance in Python.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { showRun, type FeatureImportance } from '@cvc/mlops';
import { trainAndRegister } from '@cvc/train';
import { ingestedWorld } from './world.js';

describe('training run artifacts', () => {
  it("logs the bundle manifest and lgbm feature importance that matches LightGBM's own", async () => {
    const world = await ingestedWorld({ stores: 4 });
    const t = await trainAndRegister({
      loaded: world,
      from: '2024-01-01',
      models: ['lgbm', 'weekday_mean'],
      promote: 'always',
    });
    const run = await showRun(world.paths.tracking, t.trackingRunId);
    for (const a of [
      'bundle_manifest.json',
      'importance/lgbm_feature_importance.json',
      'importance/lgbm_gain.svg',
      'importance/lgbm_split.svg',
    ]) {
      expect(run.artifacts).toContain(a);
    }
    const manifest = JSON.parse(await readFile(join(run.artifactDir, 'bundle_manifest.json'), 'utf8')) as {
      bundleId: string;
    };
    expect(manifest.bundleId).toBe(t.manifest.bundleId);
    const ours = JSON.parse(
      await readFile(join(run.artifactDir, 'importance', 'lgbm_feature_importance.json'), 'utf8'),
    ) as FeatureImportance[];
    const script = `
import json, sys, glob, lightgbm as lgb
acc = {}
for f in sorted(glob.glob(sys.argv[1] + '/model*.txt')):
    b = lgb.Booster(model_file=f)
    for n, g, s in zip(b.feature_name(), b.feature_importance('gain'), b.feature_importance('split')):
        a = acc.setdefault(n, [0.0, 0])
        a[0] += float(g); a[1] += int(s)
print(json.dumps(acc))`;
    const { stdout } = await promisify(execFile)('python3', ['-c', script, join(t.bundleDir, 'models', 'lgbm')]);
    const theirs = JSON.parse(stdout) as Record<string, [number, number]>;
    expect(ours.map((r) => r.feature).sort()).toEqual(Object.keys(theirs).sort());
    expect(ours.some((r) => r.split > 0)).toBe(true);
    for (const r of ours) {
      expect(r.split).toBe(theirs[r.feature]![1]);
      const g = theirs[r.feature]![0];
      // LightGBM holds split gains as float32 once loaded: agree to float32 precision.
      expect(Math.abs(r.gain - g)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(g)));
    }
    // Sorted by gain, and the chart shows the top feature first.
    expect(ours[0]!.gain).toBe(Math.max(...ours.map((r) => r.gain)));
    const svg = await readFile(join(run.artifactDir, 'importance', 'lgbm_gain.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.indexOf(ours[0]!.feature)).toBeLessThan(svg.indexOf(ours[1]!.feature));
  }, 600_000);
});
