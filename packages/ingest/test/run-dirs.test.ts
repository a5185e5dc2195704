// What a run leaves on disk: DuckDB's spill directory (<lake>/.ingest-tmp-*) goes with its run, also
// on process.exit; those of runs killed outright (a real SIGKILL here) are swept by the next run, a
// live run's are not; and a run that fails on its source creates no lake directory at all.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { exitCodeOf } from '@cvc/core';
import { runIngest, SourceError } from '../src/index.js';
import { configFor, tempDir, writeSmallSource } from './helpers.js';

let dir: string;
let cleanup: () => void;
const children: ChildProcess[] = [];
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  cleanup();
});

const TODAY = '2025-01-12';
const CHILD = join(import.meta.dirname, 'fixtures', 'ingest-child.ts');

function spillDirs(): string[] {
  const lake = join(dir, 'lake');
  return existsSync(lake)
    ? readdirSync(lake)
        .filter((n) => n.startsWith('.ingest-tmp-'))
        .sort()
    : [];
}

/** An ingest in its own process; `reading` resolves once it stands at the sales read. */
type Exit = { code: number | null; signal: string | null };

function startIngest(how: 'hang' | 'exit'): { child: ChildProcess; reading: Promise<void>; exited: Promise<Exit> } {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD, dir, how], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: resolve(import.meta.dirname, '../../..'),
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<Exit>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  const reading = new Promise<void>((res, rej) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('reading\n')) res();
    });
    void exited.then(({ code, signal }) => {
      rej(new Error(`ingest child exited (${code ?? signal}) before reading: ${err}`));
    });
  });
  return { child, reading, exited };
}

test("a SIGKILLed run leaves its spill directory; the next run removes it but not a live run's", async () => {
  await writeSmallSource(join(dir, 'source.duckdb'));
  const loaded = configFor(dir);

  const killed = startIngest('hang');
  await killed.reading;
  const [dead] = spillDirs();
  expect(dead).toBeDefined();
  killed.child.kill('SIGKILL');
  expect((await killed.exited).signal).toBe('SIGKILL');
  expect(spillDirs()).toEqual([dead]);

  const live = startIngest('hang');
  await live.reading;
  const liveDir = spillDirs().find((n) => n !== dead)!;
  expect(liveDir).toBeDefined();

  await runIngest({ loaded, today: TODAY });
  expect(spillDirs()).toEqual([liveDir]);

  live.child.kill('SIGKILL');
  await live.exited;
  await runIngest({ loaded, today: TODAY });
  expect(spillDirs()).toEqual([]);
}, 120_000);

test('a run that calls process.exit mid-run removes its spill directory', async () => {
  await writeSmallSource(join(dir, 'source.duckdb'));
  const run = startIngest('exit');
  await run.reading;
  expect((await run.exited).code).toBe(7);
  expect(spillDirs()).toEqual([]);
}, 60_000);

test('leftovers whose owner cannot be checked go after an hour; a reused pid or a reboot means dead', async () => {
  await writeSmallSource(join(dir, 'source.duckdb'));
  const loaded = configFor(dir);
  const leftover = (name: string, owner?: Record<string, unknown>) => {
    mkdirSync(join(dir, 'lake', name), { recursive: true });
    writeFileSync(join(dir, 'lake', name, 'duckdb_temp_storage_DEFAULT-0.tmp'), 'x');
    if (owner) writeFileSync(join(dir, 'lake', name, 'owner.json'), JSON.stringify(owner));
  };
  const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  const me = { pid: process.pid, host: hostname(), boot, runId: 'x' };
  const myStart = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]!;
  leftover('.ingest-tmp-0ld00000');
  leftover('.ingest-tmp-fresh000');
  leftover('.ingest-tmp-elsewher', { ...me, host: 'another-host', started: null });
  // This test process is alive, but started at another time: the pid was reused.
  leftover('.ingest-tmp-reusedpd', { ...me, started: String(Number(myStart) + 1) });
  leftover('.ingest-tmp-rebooted', { ...me, boot: 'another-boot', started: myStart });
  leftover('.ingest-tmp-aliveone', { ...me, started: myStart });
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  utimesSync(join(dir, 'lake', '.ingest-tmp-0ld00000'), twoHoursAgo, twoHoursAgo);
  await runIngest({ loaded, today: TODAY });
  expect(spillDirs()).toEqual(['.ingest-tmp-aliveone', '.ingest-tmp-elsewher', '.ingest-tmp-fresh000']);
});

test('a run whose source is not there creates no lake directory (exit 2)', async () => {
  const loaded = configFor(dir);
  const missing = await runIngest({ loaded, today: TODAY }).catch((e: unknown) => e);
  expect(missing).toBeInstanceOf(SourceError);
  expect(exitCodeOf(missing)).toBe(2);
  expect((missing as Error).message).toContain(join(dir, 'source.duckdb'));
  expect(existsSync(join(dir, 'lake'))).toBe(false);

  const files = configFor(dir);
  files.config.source.kind = 'files';
  files.config.source.files = { sales: './export/vendas-*.csv', stores: './export/lojas.csv' };
  const noFiles = await runIngest({ loaded: files, today: TODAY }).catch((e: unknown) => e);
  expect(noFiles).toBeInstanceOf(SourceError);
  expect(exitCodeOf(noFiles)).toBe(2);
  expect((noFiles as Error).message).toMatch(/vendas-\*\.csv/);
  expect(existsSync(join(dir, 'lake'))).toBe(false);
});
