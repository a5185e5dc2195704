// DuckDB's spill directory for one ingest run, beside the lake (same disk). A run removes its own on
// the way out, also on process.exit; a run killed outright (SIGKILL, OOM killer) cannot, so each run
// first sweeps the spill directories of runs that are no longer alive.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@cvc/core';
import { z } from 'zod';

export const SPILL_PREFIX = '.ingest-tmp-';
const OWNER_FILE = 'owner.json';
/** A directory whose owner cannot be checked (another host, no owner file) counts as dead after this. */
export const UNCHECKABLE_STALE_MS = 60 * 60 * 1000;

const ownerSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  /** /proc boot id: pids and start times restart with the machine. Empty where there is no /proc. */
  boot: z.string(),
  /** Process start time in clock ticks since boot (/proc/<pid>/stat): tells a reused pid from ours. */
  started: z.string().nullable(),
  runId: z.string(),
});
type Owner = z.infer<typeof ownerSchema>;

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** State (field 3) and start time (field 22) of a process from /proc, null where there is none. */
function procStat(pid: number): { state: string; started: string } | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name (field 2) may hold spaces and parentheses: count from its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', started: fields[19] ?? '' };
}

function bootId(): string {
  return readText('/proc/sys/kernel/random/boot_id') ?? '';
}

/** true / false when decidable on this host, null when the owner ran elsewhere. */
function ownerAlive(owner: Owner): boolean | null {
  if (owner.host !== hostname()) return null;
  if (owner.boot !== '' && owner.boot !== bootId()) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: the pid exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const stat = procStat(owner.pid);
  if (stat === null) return true;
  // A zombie (killed, not yet reaped by its parent) still answers kill(pid, 0).
  return stat.state !== 'Z' && (owner.started === null || stat.started === owner.started);
}

function readOwner(dir: string): Owner | null {
  const text = readText(join(dir, OWNER_FILE));
  if (text === null) return null;
  try {
    const parsed = ownerSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Removes the spill directories of dead runs under `lake`; returns their names. */
export function sweepSpillDirs(lake: string, log: Logger, now = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(lake).filter((n) => n.startsWith(SPILL_PREFIX));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const dir = join(lake, name);
    let mtime: number;
    try {
      const st = statSync(dir);
      if (!st.isDirectory()) continue;
      mtime = st.mtimeMs;
    } catch {
      continue;
    }
    const owner = readOwner(dir);
    const alive = owner === null ? null : ownerAlive(owner);
    if (alive === true || (alive === null && now - mtime < UNCHECKABLE_STALE_MS)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(name);
  }
  if (removed.length > 0) {
    const what = removed.length === 1 ? 'directory' : 'directories';
    log.info({ removed }, `removed ${removed.length} spill ${what} of dead ingest runs`);
  }
  return removed;
}

export interface SpillDir {
  path: string;
  remove(): void;
}

/** Creates this run's spill directory (and the lake directory) with its owner; removed on process exit too. */
export function createSpillDir(lake: string, runId: string): SpillDir {
  const path = join(lake, `${SPILL_PREFIX}${runId.slice(0, 8)}`);
  mkdirSync(path, { recursive: true });
  const owner: Owner = {
    pid: process.pid,
    host: hostname(),
    boot: bootId(),
    started: procStat(process.pid)?.started ?? null,
    runId,
  };
  writeFileSync(join(path, OWNER_FILE), JSON.stringify(owner));
  const remove = () => rmSync(path, { recursive: true, force: true });
  process.on('exit', remove);
  return {
    path,
    remove: () => {
      process.off('exit', remove);
      remove();
    },
  };
}
