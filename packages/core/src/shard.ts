// Store sharding for runs spread over machines: `--shard i/n` takes the stores whose stable hash of
// store_id falls in bucket i (0-based, as Kubernetes' JOB_COMPLETION_INDEX). The hash is 32-bit
// FNV-1a over the id's UTF-8 bytes, so every process, machine and Node version picks the same stores.

export interface Shard {
  index: number;
  count: number;
}

/** 32-bit FNV-1a of the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The shard (0-based) a store belongs to among `count` shards. */
export function shardOfStore(storeId: string, count: number): number {
  return fnv1a32(storeId) % count;
}

/** Does this shard own the store? No shard means the whole chain. */
export function inShard(storeId: string, shard: Shard | undefined): boolean {
  return shard === undefined || shardOfStore(storeId, shard.count) === shard.index;
}

/** Most shards a run may have: the shard suffix of a run id must fit in Delta's 32-character string stats. */
export const MAX_SHARDS = 999;
/** Longest name of a sharded run (`--run-id`), so `<run>.s<i>-<n>` stays within 32 characters. */
export const MAX_SHARD_RUN_CHARS = 23;

/** The run_id a shard writes its rows under until `--shard merge` moves them to the run's own id. */
export function shardRunId(run: string, shard: Shard): string {
  return `${run}.s${shard.index}-${shard.count}`;
}
