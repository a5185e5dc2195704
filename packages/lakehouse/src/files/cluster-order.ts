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
 * The distinct values of key `k` that its ranks are taken over: from the rows themselves, or from
 * `values` (a SELECT of one column of the key's type) when the caller has them cheaper than a scan of
 * the source, which may be a join of millions of rows. They must be exactly the values the rows hold:
 * a value missing there would leave its rows without a Z value.
 */
function distinctValues(k: string, values: string | undefined): string {
  return values === undefined
    ? `SELECT DISTINCT ${ident(k)} AS cvc_v FROM cvc_zsrc`
    : `SELECT DISTINCT cvc_v FROM (${values}) AS cvc_kv(cvc_v)`;
}

/**
 * `fromSql` (a SELECT) wrapped so that its rows can be ordered by `orderBy`; the helper columns it
 * adds are named cvc_z* and are dropped by the caller's column list. `keyValues`: per key, a SELECT of
 * exactly its distinct values (see distinctValues); a key without one is scanned from `fromSql`.
 */
export function clusterOrder(
  keys: readonly string[],
  fromSql: string,
  keyValues: Readonly<Record<string, string>> = {},
): { fromSql: string; orderBy: string } {
  if (keys.length === 0) return { fromSql, orderBy: '' };
  const tieBreak = keys.map((k) => `${ident(k)} NULLS LAST`).join(', ');
  if (keys.length === 1) return { fromSql, orderBy: tieBreak };
  const bits = rankBits(keys.length);
  // Each key's distinct values ranked once (a few thousand stores or days), joined back by hash:
  // cheaper than window functions over every (wide) row, and the source is not materialised (the
  // DISTINCT scans read only the key columns). Ranks are scaled to `bits` bits and bit-interleaved.
  // A key's bits land on their own positions of the curve, so each distinct value's share of the Z
  // value is computed once with its rank and a row's Z value is the sum of its keys' shares: one
  // addition per row instead of an expression of `bits` x keys terms. The only full sort left is the
  // caller's ORDER BY.
  const ranks = keys.map((k, i) => {
    const scaled = `((cvc_r * ${2 ** bits}::BIGINT) // cvc_m)`;
    const spread = Array.from(
      { length: bits },
      (_, b) => `(((${scaled} >> ${b}) & 1) << ${b * keys.length + (keys.length - 1 - i)})`,
    );
    return `cvc_zk${i} AS (SELECT cvc_v, ${spread.join(' + ')} AS cvc_zpart FROM (
    SELECT cvc_v, dense_rank() OVER (ORDER BY cvc_v NULLS LAST) - 1 AS cvc_r, count(*) OVER () AS cvc_m
    FROM (${distinctValues(k, keyValues[k])})))`;
  });
  const joins = keys
    .map((k, i) => `LEFT JOIN cvc_zk${i} ON s.${ident(k)} IS NOT DISTINCT FROM cvc_zk${i}.cvc_v`)
    .join(' ');
  const z = keys.map((_, i) => `cvc_zk${i}.cvc_zpart`).join(' + ');
  const wrapped = `WITH cvc_zsrc AS NOT MATERIALIZED (${fromSql}), ${ranks.join(', ')}
    SELECT s.*, (${z}) AS cvc_z FROM cvc_zsrc AS s ${joins}`;
  return { fromSql: wrapped, orderBy: `cvc_z, ${tieBreak}` };
}
