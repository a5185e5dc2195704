// Set-up shared by the forecast-table tests: a temporary directory removed after the file's tests, and
// routed forecasts with a known level per store and day.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { RoutedForecast } from '@cvc/mlops';

/** A fresh directory under the system temp dir, removed after the calling file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * lgbm forecasts from `start` for `days` days: the i-th store's p50 is `level(i) + k` on day k, its p10
 * and p90 `spread` below and above.
 */
export function routedForecasts(
  stores: readonly string[],
  start: string,
  days: number,
  level: (i: number) => number,
  spread: number,
): RoutedForecast[] {
  return stores.map((storeId, i) => {
    const p50 = Array.from({ length: days }, (_, k) => level(i) + k);
    return {
      storeId,
      start,
      p10: p50.map((v) => v - spread),
      p50,
      p90: p50.map((v) => v + spread),
      modelKind: 'lgbm',
      route: 'routed',
    } as unknown as RoutedForecast;
  });
}
