// A write split by maxRowsPerFile makes files of equal size (issue 13): a small tail file would be
// rewritten by the next incremental OPTIMIZE, so a daily run after a rebuild would re-compact it.
import path from 'node:path';
import { expect, it } from 'vitest';
import { append, createTable, loadSnapshot, optimize } from '../src/index.js';
import { tempLake } from './helpers.js';

const { conn, tmp } = await tempLake();

it('splits 10 rows at 4 per file into 4 + 3 + 3, and OPTIMIZE then finds nothing small', async () => {
  const t = path.join(tmp.dir, 't');
  await createTable(conn, t, { columns: [{ name: 'k', type: 'INTEGER' }], clusterBy: ['k'] });
  await append(conn, t, `SELECT range::INTEGER AS k FROM range(10)`, { maxRowsPerFile: 4 });
  const sizes = (await loadSnapshot(t)).files.map((f) => f.stats!.numRecords).sort();
  expect(sizes).toEqual([3, 3, 4]);
  // At a target of 12 rows a quarter is 3: no file is below it.
  const r = await optimize(conn, t, { targetRowsPerFile: 12 });
  expect(r.metrics).toEqual({ numFilesAdded: 0, numFilesRemoved: 0 });
});
