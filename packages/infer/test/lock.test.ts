// The infer lock: a stale lock (empty, foreign host, reused pid, too old) lets a new run through at
// once; a live one ends in BusyError (exit 3) whose message says how to clear it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BusyError, currentBootId, exitCodeOf, processStartTicks } from '@cvc/core';
import { trainedWorld } from '../../cli/test/world.js';
import { acquireLock, resolveBundle, runInfer } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cvc-inferlock-'));
const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
afterAll(() => {
  sleeper.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** What a running infer (the sleeper standing in for it) writes into its lock. */
function liveOwner() {
  const pid = sleeper.pid!;
  const me = { pid, host: hostname(), bootId: currentBootId(), procStart: processStartTicks(pid) };
  return { ...me, startedAt: new Date().toISOString(), token: 'x', holder: 'run cron-1' };
}

function write(path: string, o: object, ageSec = 0): void {
  writeFileSync(path, JSON.stringify(o));
  const t = new Date(Date.now() - ageSec * 1000);
  utimesSync(path, t, t);
}

describe('infer lock', () => {
  const path = join(dir, 'bip_vprevisao_lojas_futuro.lock');
  const live = () => liveOwner();

  it('takes over stale locks at once', async () => {
    for (const [o, age] of [
      [{}, 30],
      [{ ...live(), host: 'cvc-7f9c2', pid: 1 }, 300],
      [{ ...live(), procStart: (live().procStart ?? 0) + 100 }, 0],
      [{ ...live(), startedAt: new Date(Date.now() - 2 * 3600_000).toISOString() }, 0],
    ] as const) {
      if (Object.keys(o).length === 0) {
        writeFileSync(path, '');
        utimesSync(path, new Date(Date.now() - age * 1000), new Date(Date.now() - age * 1000));
      } else write(path, o, age);
      const lock = await acquireLock(path, { runId: 'next', timeoutSec: 1, maxAgeSec: 3600 });
      await lock.release();
    }
  });

  it('gives exit 3 on a live lock, naming its holder and the command that clears it', async () => {
    write(path, live());
    const err = await acquireLock(path, { runId: 'next', timeoutSec: 0.3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusyError);
    expect(exitCodeOf(err)).toBe(3);
    expect((err as Error).message).toContain(`pid ${sleeper.pid} on ${hostname()}, run cron-1`);
    expect((err as Error).message).toContain(`remove it: rm '${path}'`);
  });
});

describe('runInfer with a lock left in place', () => {
  it('writes through an empty, foreign-host, pid-reused or too-old lock; exit 3, rm hint on a live one', async () => {
    const world = await trainedWorld({ stores: 3 });
    const bundle = await resolveBundle(world, undefined);
    const lock = join(world.paths.lake, `${world.config.lake.tables.forecasts}.lock`);
    const live = () => liveOwner();
    const plant = (text: string, ageSec: number) => {
      writeFileSync(lock, text);
      const t = new Date(Date.now() - ageSec * 1000);
      utimesSync(lock, t, t);
    };
    const stale: [string, number][] = [
      ['', 30],
      [JSON.stringify({ ...live(), host: 'cvc-7f9c2', pid: 1 }), 300],
      [JSON.stringify({ ...live(), procStart: (live().procStart ?? 0) + 100 }), 0],
      [JSON.stringify({ ...live(), startedAt: new Date(Date.now() - 7 * 3600_000).toISOString() }), 0],
    ];
    let version = -1;
    for (const [text, age] of stale) {
      plant(text, age);
      const r = await runInfer({ loaded: world, ...bundle, runId: `after-stale-${age}` });
      expect(r.tableVersion).toBeGreaterThan(version);
      version = r.tableVersion;
    }
    plant(JSON.stringify(live()), 0);
    const err = await runInfer({ loaded: world, ...bundle, runId: 'blocked' }).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(3);
    expect((err as Error).message).toContain(`holds the lock ${lock}; gave up after 1 s; if no cvc process is running`);
    expect((err as Error).message).toContain(`rm '${lock}'`);
  }, 300_000);
});
