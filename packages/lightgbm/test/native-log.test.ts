// LightGBM logs from OpenMP worker threads too (e.g. while binning features in parallel), and its
// log callback and level are per thread: those lines must reach our logger, never stdout, even
// with verbose=-1. Run in a child process, so its stdout is the real one.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChild } from '../../../test-support/child.js';

function run(withLogger: boolean) {
  const src = resolve(__dirname, '../src/index.ts');
  const script = `const { Dataset, setLogger } = await import(${JSON.stringify(src)});
const lines = [];
if (${withLogger}) setLogger((level, msg) => lines.push(level + ' ' + msg));
const n = 20000, c = 64; const X = new Float64Array(n * c), y = new Float64Array(n);
for (let i = 0; i < n; i++) { for (let j = 0; j < c; j++) X[i * c + j] = -((i + j) % 5); y[i] = i % 7; }
// Negative codes in categorical columns: LightGBM warns about each from whichever thread bins it. The
// calling thread's level is Fatal (verbose=-1), so only a worker's warning can arrive: enough columns
// that the worker bins some even when it wakes late on a loaded machine (with 6, the caller took all).
const params = { verbose: -1, num_threads: 2 };
Dataset.fromMatrix(X, { nrow: n, ncol: c, label: y, categorical: Array.from({ length: c }, (_, j) => j), params });
// Lines arrive through a thread-safe function: give them up to 60 s on a loaded machine.
for (let t = 0; t < 600 && ${withLogger} && !lines.some((l) => l.includes('categorical')); t++) {
  await new Promise((r) => setTimeout(r, 100));
}
console.error(JSON.stringify(lines));`;
  return runChild(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
}

describe('native log lines', () => {
  it('never reach stdout, with or without a logger; with one they reach it', async () => {
    const silent = await run(false);
    expect(silent.status).toBe(0);
    expect(silent.stdout).toBe('');
    const logged = await run(true);
    expect(logged.status).toBe(0);
    expect(logged.stdout).toBe('');
    const lines = JSON.parse(logged.stderr.trim().split('\n').at(-1)!) as string[];
    expect(lines).toContain('warn Met negative value in categorical features, will convert it to NaN');
  }, 150_000);
});
