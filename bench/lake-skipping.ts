// Data skipping as a reader sees it: the data files a read of one store's days keeps after the
// lakehouse prunes the table's files by their min/max stats (the same planner scanSql uses).
import { LocalStorage } from '../packages/lakehouse/src/index.js';
import { planScan } from '../packages/lakehouse/src/read/scan.js';

export async function filesForRead(
  table: string,
  w: { store: string; from: string; to: string },
): Promise<{ touched: number; total: number }> {
  const storage = new LocalStorage(table);
  const scan = await planScan(storage, table, { filters: { store_id: w.store, date: { gte: w.from, lte: w.to } } });
  return { touched: scan.files.length, total: scan.snapshot.files.length };
}
