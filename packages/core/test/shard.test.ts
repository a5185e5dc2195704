// The store hash of `--shard i/n` must never change between versions, machines or Node releases:
// it is FNV-1a (32-bit) over UTF-8, checked against the published test vectors.
import { describe, expect, it } from 'vitest';
import { fnv1a32, inShard, shardOfStore, shardRunId } from '../src/shard.js';

describe('store shards', () => {
  it('hashes with 32-bit FNV-1a over UTF-8 bytes', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(fnv1a32('é')).toBe(fnv1a32('\u00e9'));
  });
  it('puts every store in exactly one shard, spread over the shards', () => {
    const stores = Array.from({ length: 2000 }, (_, i) => String(i + 1));
    const sizes = [0, 0, 0, 0];
    for (const s of stores) {
      const owners = [0, 1, 2, 3].filter((index) => inShard(s, { index, count: 4 }));
      expect(owners).toEqual([shardOfStore(s, 4)]);
      sizes[owners[0]!]!++;
    }
    for (const n of sizes) expect(n).toBeGreaterThan(400);
    expect(inShard('7', undefined)).toBe(true);
  });
  it('names a shard run within the 32 characters Delta keeps of a string stat', () => {
    expect(shardRunId('a'.repeat(23), { index: 998, count: 999 })).toHaveLength(32);
  });
});
