// The multi-threaded wasm backend: it really runs on the threads asked for, the same seed and thread
// count give bit-identical forecasts, and 2 threads forecast like 1. Each thread count needs its own
// process (fixed when TensorFlow.js loads), so the fits run in child processes on the TS sources.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TF_THREADS, tfThreads } from '../src/tf/backend.js';

const script = fileURLToPath(new URL('./tf-threads-fit.ts', import.meta.url));

interface Fitted {
  threads: number;
  forecasts: Record<string, number[][]>;
}

async function fit(threads: number): Promise<Fitted> {
  const args = ['--conditions=source', '--import', 'tsx', script, String(threads)];
  const { stdout } = await promisify(execFile)(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Fitted;
}

describe('wasm threads inside one fit', () => {
  it(
    '2 threads: bit-identical forecasts run to run, and within float noise of 1 thread',
    { timeout: 900_000 },
    async () => {
      const [a, b, one] = await Promise.all([fit(2), fit(2), fit(1)]);
      expect(a.threads).toBe(2);
      expect(one.threads).toBe(1);
      expect(b.forecasts).toEqual(a.forecasts);
      for (const model of ['nbeats', 'tft']) {
        const x = a.forecasts[model]!.flat();
        const y = one.forecasts[model]!.flat();
        expect(x.length).toBe(y.length);
        expect(x.length).toBeGreaterThan(0);
        const scale = Math.max(...y.map(Math.abs));
        const worst = Math.max(...x.map((v, i) => Math.abs(v - y[i]!)));
        expect(worst / scale).toBeLessThan(1e-3);
      }
    },
  );

  it('the thread count is a fixed default or CVC_TF_THREADS, never the machine, and is validated', () => {
    const saved = process.env['CVC_TF_THREADS'];
    delete process.env['CVC_TF_THREADS'];
    expect(tfThreads()).toBe(DEFAULT_TF_THREADS);
    process.env['CVC_TF_THREADS'] = '3';
    expect(tfThreads()).toBe(3);
    if (saved == null) delete process.env['CVC_TF_THREADS'];
    else process.env['CVC_TF_THREADS'] = saved;
    expect(tfThreads({ threads: 1 })).toBe(1);
    expect(tfThreads({ threads: 2 })).toBe(2);
    expect(() => tfThreads({ threads: 0 })).toThrow(/from 1 to 8/);
    expect(() => tfThreads({ threads: 1.5 })).toThrow(/integer/);
  });
});
