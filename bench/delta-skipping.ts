// A read filtered to one store, with file skipping on the stats (only the files whose store range
// holds it are read) against the same query over every file (DuckDB then only has the Parquet
// row-group statistics). The table is clustered by (store_id, date) and optimized into many files.
//   node --conditions=source --import tsx bench/delta-skipping.ts [--stores 2000] [--days 1000]
//     [--rows-per-file 25000] [--runs 7]
import { join } from 'node:path';
import { append, createTable, loadSnapshot, optimize, scanSql } from '../packages/lakehouse/src/index.js';
import { arg, connect, median, salesRows, SALES_COLUMNS, scratch, seconds } from './delta-common.js';

const stores = Number(arg('stores', '2000'));
const days = Number(arg('days', '1000'));
const perFile = Number(arg('rows-per-file', '25000'));
const runs = Number(arg('runs', '7'));
const conn = await connect();
const tmp = scratch('cvc-bench-skip-');
try {
  const table = join(tmp.dir, 't');
  await createTable(conn, table, { columns: SALES_COLUMNS, clusterBy: ['store_id', 'date'] });
  // Several appends, as ingest would make them, then one optimize to cluster.
  const rows = stores * days;
  const chunk = Math.ceil(rows / 4);
  for (let i = 0; i < 4; i++) {
    await append(conn, table, salesRows(Math.min(chunk, rows - i * chunk), stores, i * chunk));
  }
  await optimize(conn, table, { targetRowsPerFile: perFile });
  const snap = await loadSnapshot(table);
  console.log(
    `table: ${rows.toLocaleString('en-US')} rows, ${stores} stores, ${snap.files.length} files after optimize`,
  );

  const store = String(Math.floor(stores / 3));
  const query = (from: string) => `SELECT count(*) AS n, sum(v0) AS s FROM ${from} t WHERE store_id = '${store}'`;
  async function time(label: string, from: () => Promise<string>): Promise<number> {
    await conn.run(query(await from())); // warm
    const times: number[] = [];
    let files = 0;
    for (let r = 0; r < runs; r++) {
      times.push(
        await seconds(async () => {
          const sql = await from();
          files = (sql.match(/\.parquet'/g) ?? []).length;
          await conn.runAndReadAll(query(sql));
        }),
      );
    }
    const m = median(times);
    console.log(
      `${label}: median ${(m * 1000).toFixed(1)} ms over ${runs} runs, ${files} file(s) read (snapshot + plan + query)`,
    );
    return m;
  }
  const full = await time('without skipping', () => scanSql(conn, table));
  const skipped = await time(`with skipping (filters: { store_id: '${store}' })`, () =>
    scanSql(conn, table, { filters: { store_id: store } }),
  );
  console.log(`skipping speed-up: x${(full / skipped).toFixed(1)}`);
} finally {
  tmp.cleanup();
}
