// What `_delta_log/` holds: commit versions and complete checkpoints, sorted.

import type { Storage } from '../storage/storage.js';
import { classifyLogFile, LAST_CHECKPOINT, LOG_DIR, type LogFile } from './paths.js';

export interface CheckpointRef {
  version: number;
  /** Paths relative to the table root; several for a multi-part checkpoint. */
  files: string[];
}

export interface LogListing {
  /** Commit version -> path relative to the table root. */
  commits: Map<number, string>;
  checkpoints: CheckpointRef[];
  v2Checkpoints: number[];
  latestVersion: number | undefined;
}

export async function listLog(storage: Storage): Promise<LogListing> {
  // Names only: a stat per file would dominate snapshot loading on a log with thousands of entries.
  const names = await storage.listNames(LOG_DIR);
  const commits = new Map<number, string>();
  const parts = new Map<string, LogFile[]>();
  const v2Checkpoints: number[] = [];
  for (const name of names) {
    const f = classifyLogFile(name);
    if (!f) continue;
    if (f.kind === 'commit') commits.set(f.version, `${LOG_DIR}/${name}`);
    else if (f.kind === 'v2checkpoint') v2Checkpoints.push(f.version);
    else {
      const key = `${f.version}/${f.parts}`;
      parts.set(key, [...(parts.get(key) ?? []), f]);
    }
  }
  const checkpoints: CheckpointRef[] = [];
  for (const [key, files] of parts) {
    const [version, count] = key.split('/').map(Number) as [number, number];
    // Multi-part checkpoints are not atomic: one with missing parts must be ignored.
    if (new Set(files.map((f) => (f.kind === 'checkpoint' ? f.part : 0))).size !== count) continue;
    checkpoints.push({ version, files: files.map((f) => `${LOG_DIR}/${f.name}`).sort() });
  }
  checkpoints.sort((a, b) => a.version - b.version || a.files.length - b.files.length);
  let latestVersion: number | undefined;
  for (const v of commits.keys()) latestVersion = latestVersion === undefined ? v : Math.max(latestVersion, v);
  for (const c of checkpoints)
    latestVersion = latestVersion === undefined ? c.version : Math.max(latestVersion, c.version);
  return { commits, checkpoints, v2Checkpoints, latestVersion };
}

export interface LastCheckpointHint {
  version: number;
  size?: number;
  parts?: number;
}

/** `_last_checkpoint` is only a hint: a missing or unreadable one just means "list the log". */
export async function readLastCheckpoint(storage: Storage): Promise<LastCheckpointHint | undefined> {
  const buf = await storage.readIfExists(LAST_CHECKPOINT);
  if (!buf) return undefined;
  try {
    const hint = JSON.parse(buf.toString('utf8')) as LastCheckpointHint;
    return typeof hint.version === 'number' ? hint : undefined;
  } catch {
    return undefined;
  }
}

/** The newest complete checkpoint at or below `version`, preferring the `_last_checkpoint` hint. */
export function chooseCheckpoint(
  listing: LogListing,
  version: number,
  hint: LastCheckpointHint | undefined,
): CheckpointRef | undefined {
  const usable = listing.checkpoints.filter((c) => c.version <= version);
  if (hint && hint.version <= version) {
    const hinted = usable.filter((c) => c.version === hint.version);
    const newer = usable.filter((c) => c.version > hint.version);
    if (hinted.length > 0 && newer.length === 0) return hinted[0];
  }
  // Prefer the newest version; among equals, the single-file checkpoint (sorted first).
  let best: CheckpointRef | undefined;
  for (const c of usable) if (!best || c.version > best.version) best = c;
  return best;
}
