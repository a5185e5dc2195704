// Commit latency and read cost on Azure storage (Azurite on loopback, started here) against local
// disk: the median time of a small append (stage + Parquet upload + conditional Put of the commit),
// of the bare commit Put (a blind append's log entry: putIfAbsent alone), of a snapshot load, and of
// a full-table read with a cold and a warm read cache. Azurite is a local emulator: real Azure adds
// network round trips (tens of ms each), so these are lower bounds for the remote side.
//   node --conditions=source --import tsx bench/delta-azure.ts [--commits 40] [--runs 7]
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { append, createTable, loadSnapshot, scanSql } from '../packages/lakehouse/src/index.js';
import { storageFor } from '../packages/lakehouse/src/storage/local.js';
import { startAzurite } from '../packages/lakehouse/test/backends.js';
import { arg, connect, median, scratch, seconds } from './delta-common.js';

const commits = Number(arg('commits', '40'));
const runs = Number(arg('runs', '7'));
const conn = await connect();
const tmp = scratch('cvc-bench-azure-');
const azurite = await startAzurite();
process.env['AZURE_STORAGE_CONNECTION_STRING'] = azurite.connectionString;
const cache = join(tmp.dir, 'cache');
process.env['CVC_LAKE_CACHE'] = cache;

interface Figures {
  append: number;
  put: number;
  snapshot: number;
  coldRead: number;
  warmRead: number;
}

async function measure(label: string, table: string): Promise<Figures> {
  await createTable(conn, table, {
    columns: [
      { name: 'store_id', type: 'VARCHAR' },
      { name: 'date', type: 'DATE' },
      { name: 'sales', type: 'DOUBLE' },
    ],
    properties: { 'delta.checkpointInterval': '1000' },
  });
  const appends: number[] = [];
  for (let i = 1; i <= commits; i++) {
    appends.push(
      await seconds(() =>
        append(
          conn,
          table,
          `SELECT (range % 50)::VARCHAR AS store_id, DATE '2020-01-01' + range::INTEGER AS date, ${i}.0 AS sales ` +
            'FROM range(1000)',
        ),
      ),
    );
  }
  const storage = storageFor(table);
  await storage.mkdirs('_bench');
  const puts: number[] = [];
  for (let r = 0; r < runs; r++) {
    puts.push(await seconds(() => storage.putIfAbsent(`_bench/${r}.json`, '{"commitInfo":{}}\n')));
  }
  const snaps: number[] = [];
  for (let r = 0; r < runs; r++) snaps.push(await seconds(() => loadSnapshot(table)));
  const read = async () => conn.runAndReadAll(`SELECT count(*) FROM ${await scanSql(conn, table)} t`);
  const cold: number[] = [];
  const warm: number[] = [];
  for (let r = 0; r < runs; r++) {
    rmSync(cache, { recursive: true, force: true });
    // A new storage object per scan: nothing remembered in memory, only what the cache dir holds.
    cold.push(await seconds(read));
    warm.push(await seconds(read));
  }
  const f = {
    append: median(appends),
    put: median(puts),
    snapshot: median(snaps),
    coldRead: median(cold),
    warmRead: median(warm),
  };
  const ms = (x: number) => `${(x * 1000).toFixed(1)} ms`;
  console.log(
    `${label}: append commit ${ms(f.append)} (median of ${commits}), commit Put ${ms(f.put)}, ` +
      (`snapshot of ${commits + 1} commits ${ms(f.snapshot)}, read ${commits} files cold ${ms(f.coldRead)} / warm ` +
        `${ms(f.warmRead)}`),
  );
  return f;
}

try {
  const local = await measure('local disk', join(tmp.dir, 't'));
  const az = await measure('Azurite    ', 'az://bench/lake/t');
  const x = (a: number, b: number) => `x${(a / b).toFixed(1)}`;
  console.log(
    `Azurite / local: append ${x(az.append, local.append)}, commit Put ${x(az.put, local.put)}, ` +
      (`snapshot ${x(az.snapshot, local.snapshot)}, cold read ${x(az.coldRead, local.coldRead)}, warm read ` +
        `${x(az.warmRead, local.warmRead)}`),
  );
} finally {
  await azurite.stop();
  tmp.cleanup();
}
