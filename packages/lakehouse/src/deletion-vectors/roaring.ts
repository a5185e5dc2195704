// The bitmap of a deletion vector: Delta's "RoaringBitmapArray" (PROTOCOL.md, "Deletion Vector
// Format"): a magic number, then a 64-bit Roaring bitmap in the portable format of the Roaring
// format spec (buckets keyed by the high 32 bits, each a 32-bit Roaring bitmap). Little endian.
// Row indexes are JS numbers: a Parquet file's rows stay far below 2^53.

export const DV_MAGIC = 1681511377;
/**
 * Delta's older "native" layout, which the protocol's inline example still uses: magic, bitmap count and
 * per bitmap its size, as big-endian int32s; bitmap i holds the values whose high 32 bits are i.
 */
const NATIVE_MAGIC = 1681511376;
const COOKIE_NO_RUNS = 12346;
const COOKIE_RUNS = 12347;
/** An array container holds at most this many values; a fuller one is a 2^16-bit bitmap. */
const ARRAY_MAX = 4096;
/** With run containers, the offset header is written only from this many containers on. */
const NO_OFFSET_THRESHOLD = 4;

/** Serialises sorted, distinct row indexes (no run containers: arrays and bitmaps only). */
export function serializeRowIndexes(rows: readonly number[]): Buffer {
  const buckets = new Map<number, number[]>();
  let prev = -1;
  for (const r of rows) {
    if (!Number.isInteger(r) || r <= prev) throw new RangeError('row indexes must be sorted, distinct integers >= 0');
    prev = r;
    const high = Math.floor(r / 2 ** 32);
    let b = buckets.get(high);
    if (!b) buckets.set(high, (b = []));
    b.push(r % 2 ** 32);
  }
  const parts: Buffer[] = [];
  const head = Buffer.alloc(12);
  head.writeInt32LE(DV_MAGIC, 0);
  head.writeBigUInt64LE(BigInt(buckets.size), 4);
  parts.push(head);
  for (const [high, lows] of buckets) {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(high, 0);
    parts.push(key, serialize32(lows));
  }
  return Buffer.concat(parts);
}

function serialize32(values: readonly number[]): Buffer {
  const containers: Array<{ key: number; values: number[] }> = [];
  for (const v of values) {
    const key = v >>> 16;
    const last = containers[containers.length - 1];
    if (last && last.key === key) last.values.push(v & 0xffff);
    else containers.push({ key, values: [v & 0xffff] });
  }
  const n = containers.length;
  const header = Buffer.alloc(8 + 4 * n + 4 * n);
  header.writeUInt32LE(COOKIE_NO_RUNS, 0);
  header.writeUInt32LE(n, 4);
  const bodies = containers.map((c) => {
    if (c.values.length <= ARRAY_MAX) {
      const b = Buffer.alloc(2 * c.values.length);
      c.values.forEach((v, i) => b.writeUInt16LE(v, 2 * i));
      return b;
    }
    const b = Buffer.alloc(8192);
    for (const v of c.values) b[v >>> 3] = b[v >>> 3]! | (1 << (v & 7));
    return b;
  });
  let offset = header.length;
  containers.forEach((c, i) => {
    header.writeUInt16LE(c.key, 8 + 4 * i);
    header.writeUInt16LE(c.values.length - 1, 8 + 4 * i + 2);
    header.writeUInt32LE(offset, 8 + 4 * n + 4 * i);
    offset += bodies[i]!.length;
  });
  return Buffer.concat([header, ...bodies]);
}

/** Parses a RoaringBitmapArray into sorted row indexes; throws RangeError when the bytes are not one. */
export function deserializeRowIndexes(bytes: Uint8Array): number[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (pos: number, n: number) => {
    if (pos + n > buf.length) throw new RangeError('deletion vector bitmap is truncated');
  };
  need(0, 12);
  const magic = buf.readInt32LE(0);
  if (magic !== DV_MAGIC) {
    if (buf.readInt32BE(0) === NATIVE_MAGIC) return deserializeNative(buf, need);
    throw new RangeError(`deletion vector magic number ${magic}, expected ${DV_MAGIC}`);
  }
  const numBuckets = Number(buf.readBigUInt64LE(4));
  const out: number[] = [];
  let pos = 12;
  for (let b = 0; b < numBuckets; b++) {
    need(pos, 4);
    const high = buf.readUInt32LE(pos) * 2 ** 32;
    pos = read32(buf, pos + 4, high, out, need);
  }
  return out;
}

function deserializeNative(buf: Buffer, need: (pos: number, n: number) => void): number[] {
  const count = buf.readInt32BE(4);
  const out: number[] = [];
  let pos = 8;
  for (let i = 0; i < count; i++) {
    need(pos, 4);
    const size = buf.readInt32BE(pos);
    const end = read32(buf, pos + 4, i * 2 ** 32, out, need);
    if (end !== pos + 4 + size) throw new RangeError(`native bitmap ${i} is ${end - pos - 4} bytes, not ${size}`);
    pos = end;
  }
  return out;
}

/** Reads one portable 32-bit Roaring bitmap at `start`, appending `base + value`; returns its end. */
function read32(
  buf: Buffer,
  start: number,
  base: number,
  out: number[],
  need: (pos: number, n: number) => void,
): number {
  need(start, 4);
  const cookie = buf.readUInt32LE(start);
  let pos = start + 4;
  let n: number;
  let runFlags: Buffer | undefined;
  if ((cookie & 0xffff) === COOKIE_RUNS) {
    n = (cookie >>> 16) + 1;
    const len = (n + 7) >>> 3;
    need(pos, len);
    runFlags = buf.subarray(pos, pos + len);
    pos += len;
  } else if (cookie === COOKIE_NO_RUNS) {
    need(pos, 4);
    n = buf.readUInt32LE(pos);
    pos += 4;
  } else {
    throw new RangeError(`unknown Roaring cookie ${cookie}`);
  }
  need(pos, 4 * n);
  const keys: number[] = [];
  const cards: number[] = [];
  for (let i = 0; i < n; i++) {
    keys.push(buf.readUInt16LE(pos + 4 * i));
    cards.push(buf.readUInt16LE(pos + 4 * i + 2) + 1);
  }
  pos += 4 * n;
  if (!runFlags || n >= NO_OFFSET_THRESHOLD) pos += 4 * n; // offsets: containers are read in sequence
  for (let i = 0; i < n; i++) {
    const hi = base + keys[i]! * 65536;
    const isRun = runFlags !== undefined && (runFlags[i >>> 3]! & (1 << (i & 7))) !== 0;
    if (isRun) {
      need(pos, 2);
      const runs = buf.readUInt16LE(pos);
      pos += 2;
      need(pos, 4 * runs);
      for (let r = 0; r < runs; r++) {
        const from = buf.readUInt16LE(pos + 4 * r);
        const len = buf.readUInt16LE(pos + 4 * r + 2);
        for (let v = from; v <= from + len; v++) out.push(hi + v);
      }
      pos += 4 * runs;
    } else if (cards[i]! <= ARRAY_MAX) {
      need(pos, 2 * cards[i]!);
      for (let j = 0; j < cards[i]!; j++) out.push(hi + buf.readUInt16LE(pos + 2 * j));
      pos += 2 * cards[i]!;
    } else {
      need(pos, 8192);
      for (let byte = 0; byte < 8192; byte++) {
        const bits = buf[pos + byte]!;
        if (bits === 0) continue;
        for (let bit = 0; bit < 8; bit++) if (bits & (1 << bit)) out.push(hi + byte * 8 + bit);
      }
      pos += 8192;
    }
  }
  return pos;
}
