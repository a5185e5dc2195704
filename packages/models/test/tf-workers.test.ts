import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runTfJob, type TfJob } from '../src/tf/jobs.js';
import { runTfJobsInWorkers } from '../src/tf/parallel.js';
import { fitView, splitLast, syntheticStores } from './tf-synthetic.js';

// Workers run the compiled JS; CI builds with `tsc -b` before the tests.
const built = existsSync(fileURLToPath(new URL('../dist/tf/worker.js', import.meta.url)));
const H = 14;
const { history } = splitLast(syntheticStores({ stores: 6, minDays: 200, maxDays: 260, extraDays: 0, seed: 5 }), H);
const params = { numStacks: 2, layerWidth: 32, epochs: 2, windowsPerEpoch: 512, batchSize: 128 };
const job = (id: string, seed: number, extra: Partial<TfJob> = {}): TfJob => ({
  id,
  kind: 'nbeats',
  params,
  series: fitView(history),
  fit: { horizon: H, contextLength: 56, seed },
  predict: { horizon: H, series: history },
  ...extra,
});
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe.skipIf(!built)('tf jobs in worker threads', () => {
  it('runs jobs on 2 workers with the same results as in this thread', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cvc-tfjobs-'));
    dirs.push(dir);
    const jobs = [job('a', 1, { saveDir: join(dir, 'a') }), job('b', 2), job('c', 3)];
    const logs: string[] = [];
    const res = await runTfJobsInWorkers(jobs, { workers: 2, backend: 'wasm', log: (m) => logs.push(m) });
    expect(res.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(res[0]!.backend).toBe('wasm');
    expect(res[0]!.savedDir).toBe(join(dir, 'a'));
    expect(res[1]!.forecasts![0]!.p50).toBeInstanceOf(Float64Array);
    expect(logs).toContain('epoch');
    const local = await runTfJob(jobs[1]!, { backend: 'wasm' });
    expect(Array.from(res[1]!.forecasts![2]!.p50)).toEqual(Array.from(local.forecasts![2]!.p50));

    // Warm start from the model a worker saved.
    const warm = await runTfJobsInWorkers([job('w', 1, { fit: { horizon: H, contextLength: 56, seed: 1, warmStartDir: join(dir, 'a') } })], {
      backend: 'wasm',
    });
    expect(warm[0]!.report.metrics['warmStart']).toBe(1);
  });

  it('rejects with the job id when a job fails', async () => {
    await expect(runTfJobsInWorkers([job('bad', 1, { fit: { horizon: H, contextLength: 56, seed: 1, warmStartDir: '/nonexistent/model' } })])).rejects.toThrow(/bad/);
  });
});
