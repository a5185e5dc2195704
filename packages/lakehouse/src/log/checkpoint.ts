// Classic V1 Parquet checkpoints: one row per action, each action a struct column. Written by
// DuckDB from newline-delimited JSON with an explicit schema so delta-rs and Spark read the types
// they expect (MAP for partitionValues/configuration, BIGINT for sizes and times).

import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { logConnection, queryRows } from '../duckdb.js';
import { DeltaError } from '../errors.js';
import { literal, pathList } from '../sql.js';
import type { Storage } from '../storage/storage.js';
import type { Action } from './actions.js';
import { checkpointPath, LAST_CHECKPOINT } from './paths.js';

const MAP = 'MAP(VARCHAR, VARCHAR)';
/** PROTOCOL.md "Deletion Vector Descriptor Schema": offset and sizeInBytes are ints, cardinality a long. */
const DV =
  'STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, "offset" INTEGER, sizeInBytes INTEGER, cardinality BIGINT)';
const COLUMNS: Record<string, string> = {
  txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)',
  add:
    `STRUCT(path VARCHAR, partitionValues ${MAP}, size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, ` +
    `stats VARCHAR, tags ${MAP}, deletionVector ${DV}, clusteringProvider VARCHAR)`,
  remove:
    'STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, ' +
    `partitionValues ${MAP}, size BIGINT, deletionVector ${DV})`,
  metaData:
    `STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options ${MAP}), ` +
    `schemaString VARCHAR, partitionColumns VARCHAR[], configuration ${MAP}, createdTime BIGINT)`,
  protocol:
    'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])',
  domainMetadata: 'STRUCT(domain VARCHAR, configuration VARCHAR, removed BOOLEAN)',
};

/** Writes `<version>.checkpoint.parquet` and then points `_last_checkpoint` at it. */
export async function writeCheckpointFile(
  storage: Storage,
  version: number,
  actions: readonly Action[],
): Promise<void> {
  const conn = await logConnection();
  const scratch = path.join(os.tmpdir(), `cvc-checkpoint-${randomUUID()}`);
  const jsonl = `${scratch}.jsonl`;
  const parquet = `${scratch}.parquet`;
  const target = checkpointPath(version);
  try {
    await fs.writeFile(jsonl, actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
    const columns = Object.entries(COLUMNS)
      .map(([k, t]) => `${k}: ${literal(t)}`)
      .join(', ');
    const select = Object.keys(COLUMNS)
      .map((k) => `"${k}"`)
      .join(', ');
    await conn.run(`COPY (
        SELECT ${select} FROM read_json(${literal(jsonl)}, format = 'newline_delimited', columns = {${columns}})
      ) TO ${literal(parquet)} (FORMAT parquet, COMPRESSION snappy)`);
    // Built in scratch space, then put whole: a checkpoint must never be seen half-written, on any storage.
    const body = await fs.readFile(parquet);
    await storage.put(target, body);
    const numOfAddFiles = actions.filter((a) => 'add' in a).length;
    await storage.put(
      LAST_CHECKPOINT,
      JSON.stringify({ version, size: actions.length, sizeInBytes: body.length, numOfAddFiles }),
    );
  } finally {
    await fs.unlink(jsonl).catch(() => undefined);
    await fs.unlink(parquet).catch(() => undefined);
  }
}

/** Reads the actions of a (possibly multi-part) checkpoint. */
export async function readCheckpointFiles(
  storage: Storage,
  table: string,
  version: number,
  files: readonly string[],
): Promise<Action[]> {
  const conn = await logConnection();
  let rows: Record<string, unknown>[];
  try {
    const absent = await storage.prepareRead(files);
    if (absent.length > 0) throw new Error(`${absent.join(', ')} vanished`);
    rows = await queryRows(
      conn,
      `SELECT to_json(t)::VARCHAR AS j
       FROM read_parquet(${pathList(files.map((f) => storage.locate(f)))}, union_by_name = true) t`,
    );
  } catch (e) {
    throw new DeltaError(
      'CORRUPT_LOG',
      table,
      version,
      `checkpoint ${files.join(', ')} cannot be read: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const actions: Action[] = [];
  for (const row of rows) {
    const obj = JSON.parse(row['j'] as string) as Record<string, unknown>;
    if (obj['sidecar'] != null || obj['checkpointMetadata'] != null) {
      throw new DeltaError(
        'UNSUPPORTED_FEATURE',
        table,
        version,
        'the checkpoint uses the V2 checkpoint spec (sidecars), which is not supported',
      );
    }
    for (const key of ['protocol', 'metaData', 'add', 'remove', 'txn', 'domainMetadata'] as const) {
      const value = obj[key];
      if (value !== null && value !== undefined) actions.push({ [key]: stripNulls(value) } as unknown as Action);
    }
  }
  return actions;
}

// Parquet gives every missing struct field a null; JSON commits simply omit them. Normalising
// keeps one shape for the rest of the code.
function stripNulls(value: unknown): unknown {
  if (Array.isArray(value) || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}
