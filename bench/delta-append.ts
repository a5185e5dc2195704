// Append throughput of @cvc/lakehouse: 1M rows (store, date, 10 numeric columns) into a fresh Delta
// table, against DuckDB writing the same rows to one Parquet file (the floor we build on).
//   node --conditions=source --import tsx bench/delta-append.ts [--rows 1000000] [--runs 3]
import { join } from 'node:path';
import { append, createTable } from '../packages/lakehouse/src/index.js';
import { arg, connect, median, salesRows, SALES_COLUMNS, scratch, seconds } from './delta-common.js';

const rows = Number(arg('rows', '1000000'));
const runs = Number(arg('runs', '3'));
const conn = await connect();
const tmp = scratch('cvc-bench-append-');
try {
  const source = salesRows(rows, 200);
  const delta: number[] = [];
  const raw: number[] = [];
  for (let r = 0; r < runs; r++) {
    const table = join(tmp.dir, `t${r}`);
    await createTable(conn, table, { columns: SALES_COLUMNS, clusterBy: ['store_id', 'date'] });
    delta.push(await seconds(() => append(conn, table, source)));
    raw.push(
      await seconds(() =>
        conn.run(`COPY (${source}) TO '${join(tmp.dir, `raw${r}.parquet`)}' (FORMAT parquet, COMPRESSION snappy)`),
      ),
    );
  }
  const d = median(delta);
  const p = median(raw);
  console.log(
    `delta append ${rows} rows x 12 cols: median ${d.toFixed(2)} s, ` +
      `${Math.round(rows / d).toLocaleString('en-US')} rows/s (runs: ${delta.map((x) => x.toFixed(2)).join(', ')})`,
  );
  console.log(
    `plain DuckDB COPY to Parquet:      median ${p.toFixed(2)} s, ` +
      `${Math.round(rows / p).toLocaleString('en-US')} rows/s`,
  );
  console.log(`overhead of the Delta append (stage + stats + commit): x${(d / p).toFixed(2)}`);
} finally {
  tmp.cleanup();
}
