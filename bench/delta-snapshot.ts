// Snapshot load time for a table with 1,000 commits: starting from the Parquet checkpoint the
// default interval (10) leaves at version 990 plus 9 JSON commits, against replaying all 1,000
// JSON commits (checkpoints moved aside).
//   node --conditions=source --import tsx bench/delta-snapshot.ts [--commits 1000] [--runs 7]
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { append, createTable, loadSnapshot } from '../packages/lakehouse/src/index.js';
import { arg, connect, median, scratch, seconds } from './delta-common.js';

const commits = Number(arg('commits', '1000'));
const runs = Number(arg('runs', '7'));
const conn = await connect();
const tmp = scratch('cvc-bench-snapshot-');
try {
  const table = join(tmp.dir, 't');
  await createTable(conn, table, {
    columns: [
      { name: 'store_id', type: 'VARCHAR' },
      { name: 'date', type: 'DATE' },
      { name: 'sales', type: 'DOUBLE' },
    ],
  });
  const build: number[] = [];
  for (let i = 1; i < commits; i++) {
    build.push(
      await seconds(() =>
        append(conn, table, `SELECT '${i % 50}' AS store_id, DATE '2020-01-01' + ${i} AS date, ${i}.0 AS sales`),
      ),
    );
  }
  const last = (await loadSnapshot(table)).version;
  console.log(
    `built ${last + 1} commits: append commit median ${(median(build) * 1000).toFixed(1)} ms, total ` +
      `${build.reduce((a, b) => a + b, 0).toFixed(1)} s`,
  );

  async function measure(label: string): Promise<number> {
    await loadSnapshot(table); // warm: module load, DuckDB start, file cache
    const times: number[] = [];
    for (let r = 0; r < runs; r++) times.push(await seconds(() => loadSnapshot(table)));
    const m = median(times);
    const snap = await loadSnapshot(table);
    console.log(
      `${label}: median ${(m * 1000).toFixed(1)} ms over ${runs} runs (version ${snap.version}, ` +
        `${snap.files.length} files)`,
    );
    return m;
  }
  const log = join(table, '_delta_log');
  const withCheckpoint = await measure(
    `with checkpoints (${readdirSync(log).filter((f) => f.endsWith('.checkpoint.parquet')).length} written, ` +
      `newest ${last - (last % 10)})`,
  );
  const aside = join(tmp.dir, 'aside');
  mkdirSync(aside);
  for (const f of readdirSync(log).filter((f) => f.includes('checkpoint'))) renameSync(join(log, f), join(aside, f));
  const without = await measure(`without checkpoints (${last + 1} JSON commits)`);
  console.log(`checkpoint speed-up: x${(without / withCheckpoint).toFixed(1)}`);
} finally {
  tmp.cleanup();
}
