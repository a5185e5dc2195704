// Snapshot load time for a table with 1,000 commits: replaying 1,000 JSON commits, against starting
// from a Parquet checkpoint (at 990, as the default interval of 10 leaves it, and at 1,000).
//   node --conditions=source --import tsx bench/delta-snapshot.ts [--commits 1000] [--runs 5]
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { append, checkpoint, createTable, loadSnapshot } from '../packages/lakehouse/src/index.js';
import { arg, connect, median, scratch, seconds } from './delta-common.js';

const commits = Number(arg('commits', '1000'));
const runs = Number(arg('runs', '5'));
const conn = await connect();
const tmp = scratch('cvc-bench-snapshot-');
try {
  const table = join(tmp.dir, 't');
  await createTable(conn, table, {
    columns: [{ name: 'store_id', type: 'VARCHAR' }, { name: 'date', type: 'DATE' }, { name: 'sales', type: 'DOUBLE' }],
    properties: { 'delta.checkpointInterval': '1000000' },
  });
  const build = await seconds(async () => {
    for (let i = 1; i < commits; i++) {
      await append(conn, table, `SELECT '${i % 50}' AS store_id, DATE '2020-01-01' + ${i} AS date, ${i}.0 AS sales`);
    }
  });
  const last = (await loadSnapshot(table)).version;
  console.log(`built ${last + 1} commits (${last} appends) in ${build.toFixed(1)} s (${((build / last) * 1000).toFixed(1)} ms per append commit)`);

  async function measure(label: string): Promise<number> {
    await loadSnapshot(table); // warm: module load, DuckDB start
    const times: number[] = [];
    for (let r = 0; r < runs; r++) times.push(await seconds(() => loadSnapshot(table)));
    const m = median(times);
    const snap = await loadSnapshot(table);
    console.log(`${label}: median ${(m * 1000).toFixed(1)} ms (version ${snap.version}, ${snap.files.length} files)`);
    return m;
  }
  const none = await measure(`no checkpoint, ${last + 1} JSON commits`);
  await checkpoint(conn, table, last - (last % 10) === last ? last - 10 : last - (last % 10));
  const at990 = await measure('checkpoint at the last multiple of 10 below the head + JSON tail');
  await checkpoint(conn, table, last);
  const atHead = await measure('checkpoint at the head');
  console.log(`speed-up from checkpoints: x${(none / at990).toFixed(1)} (tail), x${(none / atHead).toFixed(1)} (head)`);
  const cps = readdirSync(join(table, '_delta_log')).filter((f) => f.includes('checkpoint'));
  console.log(`checkpoint files: ${cps.join(', ')}`);
  rmSync(join(table, '_delta_log', '_last_checkpoint'), { force: true });
  await measure('checkpoint at the head, without _last_checkpoint (listing only)');
} finally {
  tmp.cleanup();
}
