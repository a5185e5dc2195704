import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalTracker, listRuns, openTracker, RunNotFoundError, showRun } from './imports.js';
import { tempDir } from './fixtures.js';
import { checkAbandoned } from './abandoned.js';

describe('local tracking (Delta tables)', () => {
  it('records a parent run with child runs and reads them back with listRuns/showRun', async () => {
    const root = join(await tempDir(), 'tracking');
    const tracker = await openTracker({ uri: null, experiment: 'cvc-test', root }, { env: {} });
    expect(tracker.backend).toBe('local');
    const parent = await tracker.startRun({ name: 'validate', tags: { step: 'validate' } });
    const kids = await Promise.all(['lgbm', 'nbeats'].map((m) => tracker.startRun({ name: m, parent })));
    for (const [i, kid] of kids.entries()) {
      await kid.logParams({ model: kid.name, lr: 0.05, layers: [64, 64] });
      for (let fold = 0; fold < 4; fold++) await kid.logMetrics({ wape: 0.1 + i / 10 + fold / 100 }, fold);
      await kid.logMetrics({ wape: 0.12 + i / 10, coverage80: 0.8 });
    }
    const art = join(await tempDir(), 'art');
    await mkdir(join(art, 'sub'), { recursive: true });
    await writeFile(join(art, 'sub', 'a.json'), '{}');
    await writeFile(join(art, 'b.txt'), 'b');
    await kids[0]!.logArtifact(art, 'plots');
    await kids[0]!.logArtifact(join(art, 'b.txt'));
    await Promise.all(kids.map((k) => k.end()));
    await parent.setTags({ chosen: 'lgbm' });
    await parent.logMetrics({ wape: 0.12 });
    await parent.end('FINISHED');
    const failed = await tracker.startRun({ name: 'train' });
    await failed.end('FAILED');
    const running = await tracker.startRun({ name: 'hung' });
    await tracker.close();

    const all = await listRuns(root);
    expect(all).toHaveLength(5);
    const top = await listRuns(root, { topLevelOnly: true });
    expect(top.map((r) => [r.name, r.status]).sort()).toEqual([
      ['hung', 'RUNNING'],
      ['train', 'FAILED'],
      ['validate', 'FINISHED'],
    ]);
    expect(top.find((r) => r.name === 'validate')!.metrics).toEqual({ wape: 0.12 });

    const shown = await showRun(root, parent.runId);
    expect(shown.children.sort()).toEqual(kids.map((k) => k.runId).sort());
    expect(shown.tags.chosen).toBe('lgbm');
    expect(shown.tags.step).toBe('validate');

    const kid = await showRun(root, kids[0]!.runId.slice(0, 8));
    expect(kid.parentRunId).toBe(parent.runId);
    expect(kid.params).toEqual({ model: 'lgbm', lr: '0.05', layers: '[64,64]' });
    expect(kid.metrics).toEqual({ wape: 0.12, coverage80: 0.8 });
    expect(kid.metricsByStep.wape!.map((m) => m.step)).toEqual([0, 1, 2, 3]);
    expect(kid.metricsByStep.wape![3]!.value).toBeCloseTo(0.13);
    expect(kid.artifacts).toEqual(['b.txt', 'plots/b.txt', 'plots/sub/a.json']);
    expect(kid.endTime).not.toBeNull();
    expect((await showRun(root, running.runId)).status).toBe('RUNNING');

    await expect(showRun(root, 'ffffffffff')).rejects.toBeInstanceOf(RunNotFoundError);

    // The tables are plain Delta: delta-rs reads them.
    const script = `import json, sys
from deltalake import DeltaTable
root = sys.argv[1]
out = {}
for t in ['runs', 'params', 'metrics', 'tags']:
    out[t] = DeltaTable(root + '/' + t).to_pyarrow_table().num_rows
print(json.dumps(out))
# delta-rs can abort while Python tears down after the work is done; leave without the teardown.
import os
sys.stdout.flush()
os._exit(0)`;
    const { stdout } = await promisify(execFile)('python3', ['-c', script, root]);
    // runs: 5 RUNNING rows + 4 end rows; params: 3 per child; metrics: 2 x (4 folds + 2 overall) + 1 parent.
    expect(JSON.parse(stdout)).toMatchObject({ runs: 9, params: 6, metrics: 13 });
    expect(await listRuns(join(root, 'nothing-here'))).toEqual([]);
  });

  it('writes each call as it is made: a reader sees params, fold metrics and tags of a RUNNING run', async () => {
    const root = join(await tempDir(), 'tracking');
    const tracker = await createLocalTracker(root, 'cvc-live');
    const before = Date.now();
    const parent = await tracker.startRun({ name: 'backtest live' });
    const kid = await tracker.startRun({ name: 'lgbm', parent });
    await kid.logParams({ model: 'lgbm', num_leaves: 31 });
    await kid.logMetrics({ wape: 0.21, fit_seconds: 1.5 }, 0);
    await kid.setTags({ 'cvc.fold0.stop_reason': 'early_stopping' });
    await kid.logMetricHistory('fold0/val_loss', [
      { step: 1, value: 0.5 },
      { step: 2, value: 0.4 },
    ]);

    const seen = await showRun(root, kid.runId);
    expect(seen.status).toBe('RUNNING');
    expect(seen.endTime).toBeNull();
    expect(seen.params).toEqual({ model: 'lgbm', num_leaves: '31' });
    expect(seen.metricsByStep.wape).toEqual([{ step: 0, value: 0.21 }]);
    expect(seen.metricsByStep['fold0/val_loss']!.map((p) => p.value)).toEqual([0.5, 0.4]);
    expect(seen.tags['cvc.fold0.stop_reason']).toBe('early_stopping');
    const top = await listRuns(root, { topLevelOnly: true });
    expect(top.map((r) => [r.name, r.status])).toEqual([['backtest live', 'RUNNING']]);
    expect(Date.parse(top[0]!.startTime)).toBeGreaterThanOrEqual(before - 1000);

    await kid.logMetrics({ wape: 0.25 }, 1);
    expect((await showRun(root, kid.runId)).metricsByStep.wape!.map((p) => p.step)).toEqual([0, 1]);
    await kid.end();
    await parent.end('FAILED');
    await tracker.close();
    const done = await showRun(root, parent.runId);
    expect(done.status).toBe('FAILED');
    expect(Date.parse(done.endTime!)).toBeGreaterThanOrEqual(Date.parse(done.startTime));
    expect((await showRun(root, kid.runId)).params).toEqual({ model: 'lgbm', num_leaves: '31' });
  });

  it('refuses changing a param and artifact paths with ..', async () => {
    const tracker = await createLocalTracker(join(await tempDir(), 't'), 'x');
    const run = await tracker.startRun({ name: 'r' });
    await run.logParams({ a: 1 });
    await run.logParams({ a: 1 });
    await expect(run.logParams({ a: 2 })).rejects.toThrow(/param "a" already logged/);
    await expect(run.logArtifact(__filename, '../../escape')).rejects.toThrow(/without ".."/);
    await run.end();
    await tracker.close();
  });

  it('stores no URI password in params or tags, and hides a discarded run', async () => {
    const root = join(await tempDir(), 'tracking');
    const tracker = await createLocalTracker(root, 'cvc-test');
    const run = await tracker.startRun({ name: 'train', tags: { source: 'http://cvc:pw-5512@mlflow.local' } });
    await run.logParams({ uri: 'https://cvc:pw-5512@mlflow.local/x', nested: { to: 'http://pw-5512@h' } });
    await run.setTags({ 'cvc.failures': 'fold 1: fetch http://cvc:pw-5512@h failed' });
    await run.end('FINISHED');
    const typo = await tracker.startRun({ name: 'train typo' });
    await typo.discard();
    await tracker.close();
    const shown = await showRun(root, run.runId);
    expect(JSON.stringify(shown)).not.toContain('pw-5512');
    expect(shown.params['uri']).toBe('https://cvc:[REDACTED]@mlflow.local/x');
    expect((await listRuns(root)).map((r) => r.runId)).toEqual([run.runId]);
    await expect(showRun(root, typo.runId)).rejects.toThrow(RunNotFoundError);
  });

  it('marks FAILED a run whose process on this host is gone, and only that one', async () => {
    const root = join(await tempDir(), 'tracking');
    const tracker = await createLocalTracker(root, 'cvc-test');
    await checkAbandoned(tracker, async (id) => {
      const r = await showRun(root, id);
      return { status: r.status, end: r.endTime ? Date.parse(r.endTime) : null };
    });
    await tracker.close();
  });
});
