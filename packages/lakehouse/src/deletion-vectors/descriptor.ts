// Deletion vectors as Delta's `deletionVectors` feature stores them (PROTOCOL.md, "Deletion Vectors"):
// a descriptor on `add`/`remove` naming the bitmap of the file's deleted row indexes, kept inline
// ('i', Z85 in the log) or in a DV file of the table ('u': `<prefix>/deletion_vector_<uuid>.bin`,
// the UUID Z85-encoded in the descriptor) or at an absolute path ('p', a URI: other engines write
// them; cvc reads them on local disk). A DV file is a version byte (1), then per DV: its size (int32
// BE), the bitmap, a CRC-32 of the bitmap (BE); a descriptor's offset points at the size.

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { DeltaError } from '../errors.js';
import { LocalStorage } from '../storage/local.js';
import type { Storage } from '../storage/storage.js';
import { deserializeRowIndexes, serializeRowIndexes } from './roaring.js';
import { z85Decode, z85Encode } from './z85.js';

export interface DeletionVectorDescriptor {
  storageType: 'u' | 'i' | 'p';
  pathOrInlineDv: string;
  /** Byte offset of the DV's size field in its file; absent for inline DVs. */
  offset?: number | null;
  /** Bytes of the serialised bitmap (before Z85 for an inline DV). */
  sizeInBytes: number;
  /** Rows the DV deletes. */
  cardinality: number;
}

const FORMAT_VERSION = 1;
const UUID_Z85_LENGTH = 20;

/** The descriptor of an add/remove action, or undefined when it has none; throws on a malformed one. */
export function descriptorOf(table: string, version: number, value: unknown): DeletionVectorDescriptor | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value as Partial<DeletionVectorDescriptor>;
  const ok =
    (v.storageType === 'u' || v.storageType === 'i' || v.storageType === 'p') &&
    typeof v.pathOrInlineDv === 'string' &&
    Number.isInteger(Number(v.sizeInBytes)) &&
    Number.isInteger(Number(v.cardinality));
  if (!ok) throw new DeltaError('CORRUPT_LOG', table, version, `malformed deletion vector ${JSON.stringify(value)}`);
  return {
    storageType: v.storageType!,
    pathOrInlineDv: v.pathOrInlineDv!,
    ...(v.offset === null || v.offset === undefined ? {} : { offset: Number(v.offset) }),
    sizeInBytes: Number(v.sizeInBytes),
    cardinality: Number(v.cardinality),
  };
}

/** Delta's `uniqueId`: what tells one logical file (path + DV) from the same path with another DV. */
export function dvUniqueId(dv: DeletionVectorDescriptor | undefined): string {
  if (!dv) return '';
  const base = `${dv.storageType}${dv.pathOrInlineDv}`;
  return dv.offset === undefined || dv.offset === null ? base : `${base}@${dv.offset}`;
}

function uuidText(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The table-relative path of an on-disk DV ('u'); undefined for inline DVs and absolute paths. */
export function dvRelativePath(dv: DeletionVectorDescriptor): string | undefined {
  if (dv.storageType !== 'u') return undefined;
  const id = dv.pathOrInlineDv;
  if (id.length < UUID_Z85_LENGTH) throw new RangeError(`DV path ${id} is shorter than a Z85 UUID`);
  const prefix = id.slice(0, id.length - UUID_Z85_LENGTH);
  const name = `deletion_vector_${uuidText(z85Decode(id.slice(id.length - UUID_Z85_LENGTH)))}.bin`;
  return prefix ? `${prefix}/${name}` : name;
}

/** The table-relative file a DV lives in, when it lives in a file of this table. */
function dvFileOf(storage: Storage, dv: DeletionVectorDescriptor): string | undefined {
  if (dv.storageType === 'u') return dvRelativePath(dv);
  if (dv.storageType !== 'p') return undefined;
  const root = storage.root.replace(/\/+$/, '');
  const p = dv.pathOrInlineDv.replace(/^file:(\/\/)?/, '');
  return p.startsWith(`${root}/`) ? decodeURIComponent(p.slice(root.length + 1)) : undefined;
}

/**
 * A 'p' DV outside the table: the storage of its folder and its name there. The protocol keeps the
 * absolute path as a URI; `file:` URIs and absolute local paths are read from disk. Undefined for
 * other schemes (an object store other than the table's), which are refused.
 */
function absoluteDvLocation(uri: string): { storage: Storage; name: string } | undefined {
  let full: string;
  if (uri.startsWith('file:')) full = fileURLToPath(new URL(uri));
  else if (uri.startsWith('/')) full = decodeURIComponent(uri);
  else return undefined;
  return { storage: new LocalStorage(path.dirname(full)), name: path.basename(full) };
}

/** The DV file a descriptor references, for vacuum (undefined: inline or outside the table). */
export function referencedDvFile(storage: Storage, dv: DeletionVectorDescriptor | undefined): string | undefined {
  if (!dv) return undefined;
  try {
    return dvFileOf(storage, dv);
  } catch {
    return undefined;
  }
}

/** The deleted row indexes of a DV, sorted; checks size, checksum and cardinality. */
export async function readDeletedRows(
  storage: Storage,
  table: string,
  version: number,
  dataFile: string,
  dv: DeletionVectorDescriptor,
): Promise<number[]> {
  const fail = (detail: string, cause?: unknown) =>
    new DeltaError('CORRUPT_LOG', table, version, `deletion vector of ${dataFile}: ${detail}`, { cause });
  let bitmap: Uint8Array;
  if (dv.storageType === 'i') {
    try {
      bitmap = z85Decode(dv.pathOrInlineDv).subarray(0, dv.sizeInBytes);
    } catch (e) {
      throw fail((e as Error).message, e);
    }
  } else {
    let where: { storage: Storage; name: string } | undefined;
    try {
      const inTable = dvFileOf(storage, dv);
      where = inTable !== undefined ? { storage, name: inTable } : absoluteDvLocation(dv.pathOrInlineDv);
    } catch (e) {
      throw fail((e as Error).message, e);
    }
    if (where === undefined) {
      throw new DeltaError(
        'UNSUPPORTED_FEATURE',
        table,
        version,
        `deletion vector of ${dataFile} is at ${dv.pathOrInlineDv}, outside the table: only file: URIs and ` +
          'absolute local paths are read there',
      );
    }
    const file = where.storage === storage ? where.name : dv.pathOrInlineDv;
    const body = await where.storage.readIfExists(where.name);
    if (!body) {
      throw new DeltaError('MISSING_FILE', table, version, `deletion vector file ${file} of ${dataFile} is missing`);
    }
    const at = dv.offset ?? 1;
    if (body[0] !== FORMAT_VERSION) throw fail(`${file} has format version ${body[0]}, expected ${FORMAT_VERSION}`);
    if (at + 8 + dv.sizeInBytes > body.length) throw fail(`${file} is shorter than offset + size`);
    const size = body.readInt32BE(at);
    if (size !== dv.sizeInBytes)
      throw fail(`${file} holds ${size} bytes at offset ${at}, the log says ${dv.sizeInBytes}`);
    bitmap = body.subarray(at + 4, at + 4 + size);
    const checksum = body.readUInt32BE(at + 4 + size);
    if (crc32(bitmap) !== checksum) throw fail(`${file} fails its CRC-32 checksum at offset ${at}`);
  }
  let rows: number[];
  try {
    rows = deserializeRowIndexes(bitmap);
  } catch (e) {
    throw fail((e as Error).message, e);
  }
  if (rows.length !== dv.cardinality) throw fail(`holds ${rows.length} rows, the log says ${dv.cardinality}`);
  return rows;
}

/**
 * Writes one DV file holding a bitmap per entry (sorted, distinct row indexes) and returns their
 * descriptors, in order. The file is new (random UUID), so it is never seen half-written by a reader
 * of a committed version.
 */
export async function writeDeletionVectors(
  storage: Storage,
  rowSets: ReadonlyArray<readonly number[]>,
): Promise<{ file: string; descriptors: DeletionVectorDescriptor[] }> {
  const uuid = Buffer.from(randomUUID().replaceAll('-', ''), 'hex');
  const id = z85Encode(uuid);
  const parts: Buffer[] = [Buffer.from([FORMAT_VERSION])];
  let offset = 1;
  const descriptors = rowSets.map((rows) => {
    const bitmap = serializeRowIndexes(rows);
    const size = Buffer.alloc(4);
    size.writeInt32BE(bitmap.length, 0);
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32BE(crc32(bitmap), 0);
    parts.push(size, bitmap, checksum);
    const d: DeletionVectorDescriptor = {
      storageType: 'u',
      pathOrInlineDv: id,
      offset,
      sizeInBytes: bitmap.length,
      cardinality: rows.length,
    };
    offset += 8 + bitmap.length;
    return d;
  });
  const file = dvRelativePath(
    descriptors[0] ?? { storageType: 'u', pathOrInlineDv: id, sizeInBytes: 0, cardinality: 0 },
  )!;
  await storage.put(file, Buffer.concat(parts));
  return { file, descriptors };
}

/** Sorted union of two sorted, distinct row index lists. */
export function unionRows(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i]! : Infinity;
    const y = j < b.length ? b[j]! : Infinity;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}
