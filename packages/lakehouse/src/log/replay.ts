// Log replay: a checkpoint (if any) plus the JSON commits after it, reconciled as PROTOCOL.md
// "Action Reconciliation" says: the last protocol and metaData win, an add is cancelled by a later
// remove of the same path, the last txn per appId and domainMetadata per domain win.

import { DeltaError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import {
  parseStats,
  type Action,
  type AddFile,
  type CommitInfo,
  type DomainMetadata,
  type FileStats,
  type Metadata,
  type Protocol,
  type RemoveFile,
} from './actions.js';
import { descriptorOf, dvUniqueId, type DeletionVectorDescriptor } from '../deletion-vectors/descriptor.js';
import { readCheckpointFiles } from './checkpoint.js';
import { parseCommit } from './commit-file.js';
import { chooseCheckpoint, listLog, readLastCheckpoint, type LogListing } from './listing.js';
import { commitPath } from './paths.js';

/** Commit files read ahead while replaying: enough to hide an object store's round trips. */
const COMMIT_PREFETCH = 8;

export interface ActiveFile {
  path: string;
  size: number;
  add: AddFile;
  stats: FileStats | undefined;
  /** The file's deletion vector: rows of the Parquet file that are not part of the table. */
  dv: DeletionVectorDescriptor | undefined;
  /** The version whose commit added the file (for a file from a checkpoint: at most that version). */
  addedIn: number;
}

export interface LogState {
  version: number;
  protocol: Protocol;
  metadata: Metadata;
  files: Map<string, ActiveFile>;
  /** Keyed by path and DV (`tombstoneKey`): the same data file may be removed with several DVs. */
  tombstones: Map<string, RemoveFile>;
  txns: Map<string, number>;
  domains: Map<string, DomainMetadata>;
  /** commitInfo of the replayed version, when it has one. */
  commitInfo: CommitInfo | undefined;
  /** Milliseconds since epoch of the replayed version (commitInfo.timestamp or file time). */
  timestamp: number;
}

export async function readCommit(storage: Storage, table: string, version: number): Promise<Action[]> {
  const buf = await storage.readIfExists(commitPath(version));
  if (!buf)
    throw new DeltaError('VERSION_NOT_FOUND', table, version, `commit file ${commitPath(version)} does not exist`);
  return parseCommit(table, version, buf.toString('utf8'));
}

export function commitInfoOf(actions: readonly Action[]): CommitInfo | undefined {
  for (const a of actions) if ('commitInfo' in a) return a.commitInfo;
  return undefined;
}

/** Commit time: the writer's commitInfo timestamp (survives copies), else the file's time. */
export async function commitTimestamp(storage: Storage, version: number, actions: readonly Action[]): Promise<number> {
  const ts = commitInfoOf(actions)?.timestamp;
  if (typeof ts === 'number' && Number.isFinite(ts)) return ts;
  return (await storage.stat(commitPath(version)))?.modifiedMs ?? 0;
}

export function applyActions(
  state: Omit<LogState, 'version' | 'protocol' | 'metadata' | 'commitInfo' | 'timestamp'> & {
    protocol?: Protocol;
    metadata?: Metadata;
  },
  actions: readonly Action[],
  version: number,
  table = '',
): void {
  // A logical file is a (path, deletion vector) pair (PROTOCOL.md, "Action Reconciliation"): a commit
  // that adds a DV to a file removes (path, old DV) and adds (path, new DV), in either order.
  for (const a of actions) {
    if ('remove' in a) {
      const path = decodePath(a.remove.path);
      const dv = descriptorOf(table, version, a.remove.deletionVector);
      const live = state.files.get(path);
      if (live && dvUniqueId(live.dv) === dvUniqueId(dv)) state.files.delete(path);
      state.tombstones.set(tombstoneKey(path, dv), dv ? { ...a.remove, deletionVector: dv } : a.remove);
    }
  }
  for (const a of actions) {
    if ('add' in a) {
      const add = a.add;
      const path = decodePath(add.path);
      const dv = descriptorOf(table, version, add.deletionVector);
      state.tombstones.delete(tombstoneKey(path, dv));
      const file = { path, size: Number(add.size), add, stats: parseStats(add.stats), dv, addedIn: version };
      state.files.set(path, file);
    } else if ('metaData' in a) state.metadata = a.metaData;
    else if ('protocol' in a) state.protocol = a.protocol;
    else if ('txn' in a) state.txns.set(a.txn.appId, Number(a.txn.version));
    else if ('domainMetadata' in a) {
      if (a.domainMetadata.removed) state.domains.delete(a.domainMetadata.domain);
      else state.domains.set(a.domainMetadata.domain, a.domainMetadata);
    }
  }
}

export function tombstoneKey(path: string, dv: DeletionVectorDescriptor | undefined): string {
  return dv ? `${path}\u0000${dvUniqueId(dv)}` : path;
}

/** Rows of the table in a file: its Parquet rows minus the rows its deletion vector removes. */
export function liveRecords(f: Pick<ActiveFile, 'stats' | 'dv'>): number {
  const n = f.stats?.numRecords ?? NaN;
  return n - (f.dv?.cardinality ?? 0);
}

/** Add/remove paths are URIs relative to the table root; we key files by their decoded path. */
export function decodePath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

export async function resolveVersion(
  storage: Storage,
  table: string,
  listing: LogListing,
  at: { version?: number; timestamp?: Date | string },
): Promise<number> {
  const latest = listing.latestVersion;
  if (latest === undefined)
    throw new DeltaError('TABLE_NOT_FOUND', table, undefined, 'no Delta log found (missing _delta_log/)');
  if (at.version !== undefined) {
    if (!Number.isInteger(at.version) || at.version < 0 || at.version > latest) {
      throw new DeltaError('VERSION_NOT_FOUND', table, at.version, `version does not exist (latest is ${latest})`);
    }
    return at.version;
  }
  if (at.timestamp !== undefined) {
    const target = new Date(at.timestamp).getTime();
    if (!Number.isFinite(target))
      throw new DeltaError('INVALID_ARGUMENT', table, undefined, `invalid timestamp ${String(at.timestamp)}`);
    const versions = [...listing.commits.keys()].sort((a, b) => b - a);
    for (const v of versions) {
      const ts = await commitTimestamp(storage, v, await readCommit(storage, table, v));
      if (ts <= target) return v;
    }
    throw new DeltaError(
      'VERSION_NOT_FOUND',
      table,
      undefined,
      `no version was committed at or before ${new Date(target).toISOString()}`,
    );
  }
  return latest;
}

export async function replay(
  storage: Storage,
  table: string,
  at: { version?: number; timestamp?: Date | string } = {},
): Promise<LogState> {
  const listing = await listLog(storage);
  const version = await resolveVersion(storage, table, listing, at);
  const hint = await readLastCheckpoint(storage);
  const checkpoint = chooseCheckpoint(listing, version, hint);
  if (listing.v2Checkpoints.some((v) => v <= version) && !checkpoint && !listing.commits.has(0)) {
    throw new DeltaError(
      'UNSUPPORTED_FEATURE',
      table,
      version,
      'the log starts at a V2 (UUID-named) checkpoint, which is not supported',
    );
  }
  const state = {
    files: new Map<string, ActiveFile>(),
    tombstones: new Map<string, RemoveFile>(),
    txns: new Map<string, number>(),
    domains: new Map<string, DomainMetadata>(),
  } as Parameters<typeof applyActions>[0];
  let start = 0;
  if (checkpoint) {
    applyActions(
      state,
      await readCheckpointFiles(storage, table, checkpoint.version, checkpoint.files),
      checkpoint.version,
      table,
    );
    start = checkpoint.version + 1;
  }
  const earliest = Math.min(...listing.commits.keys());
  if (start < earliest && start <= version) {
    throw new DeltaError(
      'VERSION_NOT_FOUND',
      table,
      version,
      `the log before version ${earliest} has been cleaned up and no checkpoint covers version ${version}`,
    );
  }
  let commitInfo: CommitInfo | undefined;
  let timestamp = 0;
  for (let v = start; v <= version; v++) {
    if (!listing.commits.has(v)) {
      throw new DeltaError(
        'CORRUPT_LOG',
        table,
        v,
        `commit file ${commitPath(v)} is missing from the log (needed to reach version ${version})`,
      );
    }
  }
  // Fetched a few at a time (an object store costs a round trip per commit), applied in order.
  const pending = new Map<number, Promise<Action[]>>();
  const prefetch = (v: number) => {
    if (v > version || pending.has(v)) return;
    const read = readCommit(storage, table, v);
    read.catch(() => undefined); // awaited in order below; a later failure must not go unhandled meanwhile
    pending.set(v, read);
  };
  for (let v = start; v < start + COMMIT_PREFETCH; v++) prefetch(v);
  for (let v = start; v <= version; v++) {
    prefetch(v + COMMIT_PREFETCH);
    const actions = await pending.get(v)!;
    pending.delete(v);
    applyActions(state, actions, v, table);
    if (v === version) {
      commitInfo = commitInfoOf(actions);
      timestamp = await commitTimestamp(storage, v, actions);
    }
  }
  if (start > version) {
    // The version is the checkpoint itself: its commit file (if kept) still has the time.
    timestamp = listing.commits.has(version)
      ? await commitTimestamp(storage, version, await readCommit(storage, table, version))
      : 0;
  }
  if (!state.protocol) throw new DeltaError('CORRUPT_LOG', table, version, 'no protocol action found in the log');
  if (!state.metadata) throw new DeltaError('CORRUPT_LOG', table, version, 'no metaData action found in the log');
  return { ...state, protocol: state.protocol, metadata: state.metadata, version, commitInfo, timestamp };
}
