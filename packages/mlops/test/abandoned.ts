// Shared by the local and MLflow abandoned-run tests: runs "opened" by a process that has exited, by
// one still alive, and by another host; failAbandonedRuns must mark only the first FAILED.
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { expect } from 'vitest';
import { failAbandonedRuns, type Tracker } from './imports.js';

async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

export async function checkAbandoned(
  tracker: Tracker,
  status: (runId: string) => Promise<{ status: string; end: number | null }>,
): Promise<void> {
  // Outlives the test whatever the machine's load (killed in finally); a short sleep could exit mid-test.
  const alive = spawn('sleep', ['3600']);
  try {
    const dead = await exitedPid();
    const killed = await tracker.startRun({
      name: 'killed',
      tags: { 'cvc.host': hostname(), 'cvc.pid': String(dead), 'cvc.pid_start': '' },
    });
    const running = await tracker.startRun({
      name: 'alive',
      tags: { 'cvc.host': hostname(), 'cvc.pid': String(alive.pid), 'cvc.pid_start': '' },
    });
    const elsewhere = await tracker.startRun({
      name: 'other host',
      tags: { 'cvc.host': `not-${hostname()}`, 'cvc.pid': String(dead) },
    });
    const before = Date.now();
    expect(await failAbandonedRuns(tracker)).toEqual([killed.runId]);
    // Read back at once: through MLflow's Python client each read starts an interpreter (seconds under load).
    const [k, r, e] = await Promise.all([killed, running, elsewhere].map((run) => status(run.runId)));
    expect(k!.status).toBe('FAILED');
    expect(k!.end).toBeGreaterThanOrEqual(before - 1000);
    expect(r!.status).toBe('RUNNING');
    expect(e!.status).toBe('RUNNING');
    // A second pass finds nothing left to mark.
    expect(await failAbandonedRuns(tracker)).toEqual([]);
    await running.end('FINISHED');
    await elsewhere.end('FINISHED');
  } finally {
    alive.kill();
  }
}
