// Reading files that carry deletion vectors: DuckDB reads the whole Parquet file with its row numbers,
// and an anti-join drops the rows the DV lists. The deleted row indexes are handed to DuckDB as a
// small local CSV per DV, cached by table and DV id (a DV never changes once committed), so every
// DuckDB connection can read them and a scan costs one decode per DV and process at most.

import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readDeletedRows } from '../deletion-vectors/descriptor.js';
import { dvUniqueId } from '../deletion-vectors/descriptor.js';
import type { ActiveFile } from '../log/replay.js';
import { literal } from '../sql.js';
import { lakeCacheDir } from '../storage/azure.js';
import type { Storage } from '../storage/storage.js';

/** Column names of the deleted-rows relation (chosen not to collide with table columns). */
export const DELETED_FILE = 'cvc_dv_file';
export const DELETED_ROW = 'cvc_dv_row';

const written = new Map<string, Promise<string>>();

async function rowsCsv(storage: Storage, table: string, version: number, file: ActiveFile): Promise<string> {
  const dv = file.dv!;
  const key = createHash('sha256')
    .update(`${storage.root}\u0000${file.path}\u0000${dvUniqueId(dv)}`)
    .digest('hex');
  const target = path.join(lakeCacheDir(), 'dv', `${key}.csv`);
  let pending = written.get(target);
  if (!pending) {
    pending = (async () => {
      const exists = await fs.stat(target).then(
        () => true,
        () => false,
      );
      if (!exists) {
        const rows = await readDeletedRows(storage, table, version, file.path, dv);
        await fs.mkdir(path.dirname(target), { recursive: true });
        const tmp = `${target}.${randomUUID()}.tmp`;
        await fs.writeFile(tmp, rows.join('\n') + '\n');
        await fs.rename(tmp, target); // whole or absent: another process may read it concurrently
      }
      return target;
    })();
    pending.catch(() => written.delete(target));
    written.set(target, pending);
  }
  return pending;
}

/**
 * A relation (file location, row number) of the rows the given files' DVs delete, or undefined when
 * none of them has a DV.
 */
export async function deletedRowsRelation(
  storage: Storage,
  table: string,
  version: number,
  files: readonly ActiveFile[],
): Promise<string | undefined> {
  const withDv = files.filter((f) => f.dv && f.dv.cardinality > 0);
  if (withDv.length === 0) return undefined;
  const csvs = await Promise.all(withDv.map((f) => rowsCsv(storage, table, version, f)));
  const parts = withDv.map(
    (f, i) =>
      `SELECT ${literal(storage.locate(f.path))} AS ${DELETED_FILE}, r AS ${DELETED_ROW} ` +
      `FROM read_csv(${literal(csvs[i]!)}, header = false, columns = {'r': 'BIGINT'})`,
  );
  return `(${parts.join(' UNION ALL ')})`;
}
