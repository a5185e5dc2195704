// Runs left RUNNING by a process that was killed (SIGKILL, OOM, a reboot): each run a cvc step opens
// carries its host, pid and the pid's start time as tags, so a later run on the same host (or
// `cvc runs gc`) can tell the process is gone and mark the run FAILED instead of leaving it RUNNING.
import { hostname } from 'node:os';
import { processStartTicks, type Logger } from '@cvc/core';
import type { Tracker } from './tracker.js';

/** Tags naming the process that opened a run. */
export function ownerTags(): Record<string, string> {
  return {
    'cvc.host': hostname(),
    'cvc.pid': String(process.pid),
    'cvc.pid_start': String(processStartTicks(process.pid) ?? ''),
  };
}

function processGone(pid: number, startTicks: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'EPERM';
  }
  const now = processStartTicks(pid);
  return Boolean(startTicks) && now !== null && String(now) !== startTicks; // the pid was reused
}

/**
 * Marks FAILED (end time now, tag cvc.abandoned) every RUNNING run of the tracker's experiment whose
 * process on this host is gone. Runs opened on other hosts, or without owner tags, are left alone.
 */
export async function failAbandonedRuns(tracker: Tracker, log?: Logger): Promise<string[]> {
  const marked: string[] = [];
  for (const r of await tracker.runningRuns()) {
    const pid = Number(r.tags['cvc.pid']);
    if (r.tags['cvc.host'] !== hostname() || !Number.isInteger(pid) || pid <= 0) continue;
    if (pid === process.pid || !processGone(pid, r.tags['cvc.pid_start'])) continue;
    await tracker.markFailed(r.runId);
    marked.push(r.runId);
  }
  if (marked.length) log?.warn({ runs: marked }, 'runs left RUNNING by a killed process marked FAILED');
  return marked;
}
