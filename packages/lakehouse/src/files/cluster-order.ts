// The row order of clustered tables (Delta liquid clustering, done locally): one clustering column
// sorts by its own type (numbers as numbers, dates as dates, text as text), several are interleaved
// on a Z-order curve of their ranks, so a file holds a compact box of every key instead of one key's
// full range, and min/max stats prune files on any of the keys.
import { ident } from '../sql.js';

/** add.clusteringProvider of files written in clustering order (by a clustered write or OPTIMIZE). */
export const CLUSTERING_PROVIDER = 'liquid';

/** Bits of rank kept per key: together they fit a BIGINT (63 bits). */
const rankBits = (keys: number): number => Math.min(21, Math.floor(63 / keys));

/**
 * `fromSql` (a SELECT) wrapped so that its rows can be ordered by `orderBy`; the helper columns it
 * adds are named cvc_z* and are dropped by the caller's column list.
 */
export function clusterOrder(keys: readonly string[], fromSql: string): { fromSql: string; orderBy: string } {
  if (keys.length === 0) return { fromSql, orderBy: '' };
  const tieBreak = keys.map((k) => `${ident(k)} NULLS LAST`).join(', ');
  if (keys.length === 1) return { fromSql, orderBy: tieBreak };
  const bits = rankBits(keys.length);
  // Dense ranks (0-based) of each key's values, scaled to `bits` bits, then bit-interleaved.
  const ranks = keys.map((k, i) => `dense_rank() OVER (ORDER BY ${ident(k)} NULLS LAST) - 1 AS cvc_zr${i}`).join(', ');
  const tops = keys.map((_, i) => `max(cvc_zr${i}) OVER () + 1 AS cvc_zm${i}`).join(', ');
  const scaled = keys.map((_, i) => `(cvc_zr${i} * ${2 ** bits}::BIGINT) // cvc_zm${i}`);
  const terms: string[] = [];
  for (let b = 0; b < bits; b++) {
    scaled.forEach((s, i) => {
      const shift = b * keys.length + (keys.length - 1 - i);
      terms.push(`((((${s}) >> ${b}) & 1) << ${shift})`);
    });
  }
  const ranked = `SELECT *, ${ranks} FROM (${fromSql}) AS cvc_zin`;
  const topped = `SELECT *, ${tops} FROM (${ranked}) AS cvc_zrk`;
  const wrapped = `SELECT *, (${terms.join(' + ')}) AS cvc_z FROM (${topped}) AS cvc_ztop`;
  return { fromSql: wrapped, orderBy: `cvc_z, ${tieBreak}` };
}
