// Shared by the ingest benchmarks: a demo source of a given size in a temp directory, a config for
// it, and peak RSS sampling.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type LoadedConfig } from '../packages/core/src/index.js';
import { writeDemoSource } from '../packages/demo-source/src/index.js';

export const DEMO_AS_OF = '2025-12-31';

export async function demoSource(stores: number, from = '2019-01-01', asOf = DEMO_AS_OF): Promise<string> {
  const dir = join(tmpdir(), 'cvc-bench-sources');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `demo-${stores}-${from}-${asOf}.duckdb`);
  if (!existsSync(path)) {
    const t = performance.now();
    await writeDemoSource({ path, stores, from, asOf, seed: 42 });
    console.error(`generated ${path} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  return path;
}

export function benchConfig(sourcePath: string, lake: string): LoadedConfig {
  rmSync(lake, { recursive: true, force: true });
  const file = join(lake, '..', 'cvc.yaml');
  const config = parseConfig({ source: { kind: 'duckdb', duckdb: { path: sourcePath } }, lake: { root: lake } }, file);
  return { file, config, paths: { lake, tracking: join(lake, '../tracking'), registry: join(lake, '../registry'), demoSource: sourcePath, data: join(lake, '..') } };
}

/** Samples RSS every 50 ms while `fn` runs; returns its result and the peak in MiB. */
export async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ result: T; peakMiB: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakMiB: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
