// A small trained world for tests that span steps: demo source -> ingest -> a baseline bundle registered as
// champion. Built with the same library calls the CLI makes.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig, type LoadedConfig } from '@cvc/core';
import { writeDemoSource } from '@cvc/demo-source';
import { runIngest } from '@cvc/ingest';
import { trainAndRegister } from '@cvc/train';

export const AS_OF = '2025-06-30';

export async function ingestedWorld(
  opts: { stores?: number; staleStore?: number; yaml?: string; asOf?: string } = {},
): Promise<LoadedConfig> {
  const asOf = opts.asOf ?? AS_OF;
  const dir = mkdtempSync(join(tmpdir(), 'cvc-infer-'));
  mkdirSync(join(dir, 'configs'));
  const file = join(dir, 'configs', 'cvc.yaml');
  writeFileSync(
    file,
    `demo: { stores: ${opts.stores ?? 6}, asOf: "${asOf}" }\n` +
      `infer: { staleDays: 7, lockTimeoutSec: 1 }\n${opts.yaml ?? ''}`,
  );
  const loaded = loadConfig(file);
  await writeDemoSource({ path: loaded.paths.demoSource, stores: opts.stores ?? 6, asOf, seed: 42, badRows: 0 });
  if (opts.staleStore !== undefined) {
    // The source stops sending this store's sales 20 days before the as-of date.
    const db = await DuckDBInstance.create(loaded.paths.demoSource);
    const conn = await db.connect();
    await conn.run(
      `DELETE FROM daily_sales WHERE store_id = ${opts.staleStore} AND sale_date > DATE '${asOf}' - INTERVAL 20 DAY`,
    );
    conn.closeSync();
    db.closeSync();
  }
  await runIngest({ loaded });
  return loaded;
}

export async function trainedWorld(
  opts: { stores?: number; staleStore?: number; yaml?: string } = {},
): Promise<LoadedConfig> {
  const loaded = await ingestedWorld(opts);
  await trainAndRegister({ loaded, from: '2024-01-01', models: ['weekday_mean', 'seasonal_naive'], promote: 'always' });
  return loaded;
}
