// A --from/--to reload reads only its range of sale dates, so it must never move the global
// watermark: corrections outside the range, written after the watermark, are still read by the next
// plain run, also when the range run commits its rows and then fails (exit 1), e.g. on a lost conflict.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { exitCodeOf } from '@cvc/core';
import { DeltaError, history, loadSnapshot, scanSql } from '@cvc/lakehouse';
import { lakeTables } from '@cvc/feature-table';
import { runIngest } from '../src/index.js';
import { configFor, tempDir, withDuckDb, writeSmallSource } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const TODAY = '2025-01-12';
const WATERMARK = '2025-01-11T03:00:00.000000';

async function salesOf(lake: string, store: string, day: string): Promise<unknown> {
  return withDuckDb(
    ':memory:',
    async (c) =>
      (
        await c.runAndReadAll(`SELECT sales
    FROM ${await scanSql(c, join(lake, 'features'))} t
    WHERE store_id = '${store}' AND date = DATE '${day}'`)
      ).getRowObjectsJS()[0]?.['sales'],
  );
}

/**
 * Two corrections written after the watermark: one inside Jan 1-5, one outside (Jan 8). The outside
 * one was written earlier, so a watermark moved to the latest row the range read would pass it.
 */
async function addCorrections(): Promise<void> {
  await withDuckDb(join(dir, 'source.duckdb'), (c) =>
    c.run(`INSERT INTO daily_sales VALUES
    (1, DATE '2025-01-03', 333, 10, true, TIMESTAMP '2025-01-11 09:00:00'),
    (2, DATE '2025-01-08', 888, 10, true, TIMESTAMP '2025-01-11 05:00:00')`),
  );
}

test('a range reload keeps the watermark; the next plain run reads the correction outside the range', async () => {
  await writeSmallSource(join(dir, 'source.duckdb'));
  const loaded = configFor(dir);
  expect((await runIngest({ loaded, today: TODAY })).watermarkAfter).toBe(WATERMARK);
  await addCorrections();

  const r = await runIngest({ loaded, today: TODAY, from: '2025-01-01', to: '2025-01-05' });
  expect(r).toMatchObject({
    mode: 'range',
    observationsChanged: 1,
    watermarkBefore: WATERMARK,
    watermarkAfter: WATERMARK,
  });
  expect(await salesOf(loaded.paths.lake, '1', '2025-01-03')).toBe(333);
  expect((await loadSnapshot(lakeTables(loaded).features)).properties['cvc.ingest.watermark']).toBe(WATERMARK);

  const next = await runIngest({ loaded, today: TODAY });
  expect(next).toMatchObject({
    mode: 'incremental',
    rowsRead: 2,
    observationsChanged: 1,
    watermarkAfter: '2025-01-11T09:00:00.000000',
  });
  expect(await salesOf(loaded.paths.lake, '2', '2025-01-08')).toBe(888);
});

test('a range run on an empty lake leaves no watermark: the next plain run reads everything', async () => {
  await writeSmallSource(join(dir, 'source.duckdb'));
  const loaded = configFor(dir);
  const r = await runIngest({ loaded, today: TODAY, from: '2025-01-01', to: '2025-01-05' });
  expect(r).toMatchObject({ mode: 'range', rowsRead: 10, watermarkAfter: null });
  const next = await runIngest({ loaded, today: TODAY });
  expect(next).toMatchObject({ mode: 'full', rowsRead: 20, lastDay: '2025-01-10', watermarkAfter: WATERMARK });
});

/** Puts a corrupt next commit into the table's log (and takes it out): the next operation that loads the log fails. */
function corruptNextCommit(table: string): () => void {
  const log = join(table, '_delta_log');
  const last = readdirSync(log)
    .filter((f) => /^\d{20}\.json$/.test(f))
    .sort()
    .at(-1)!;
  const next = join(log, `${String(Number(last.slice(0, 20)) + 1).padStart(20, '0')}.json`);
  writeFileSync(next, 'not a commit\n');
  return () => rmSync(next);
}

test('a range run that commits its rows and then fails (exit 1) has not moved the watermark', async () => {
  await writeSmallSource(join(dir, 'source.duckdb'));
  const loaded = configFor(dir);
  await runIngest({ loaded, today: TODAY });
  await addCorrections();
  const features = lakeTables(loaded).features;

  // The range run's merge has committed; its OPTIMIZE then fails on the log, as a lost conflict would fail it.
  let restore: (() => void) | undefined;
  const err = await runIngest({
    loaded,
    today: TODAY,
    from: '2025-01-01',
    to: '2025-01-05',
    onProgress: (p) => {
      if (p.stage === 'optimize') restore = corruptNextCommit(features);
    },
  }).catch((e: unknown) => e);
  restore?.();
  expect(err).toBeInstanceOf(DeltaError);
  expect(exitCodeOf(err)).toBe(1);
  const rangeCommits = (await history(features)).filter((h) => h.metadata?.['mode'] === 'range');
  expect(rangeCommits.length).toBeGreaterThan(0);
  expect((await loadSnapshot(features)).properties['cvc.ingest.watermark']).toBe(WATERMARK);

  const next = await runIngest({ loaded, today: TODAY });
  expect(next.rowsRead).toBe(2);
  expect(await salesOf(loaded.paths.lake, '2', '2025-01-08')).toBe(888);
});
