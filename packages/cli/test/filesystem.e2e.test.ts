// Read-only and full disks, for real: tests run as root, where chmod stops nothing, so a read-only data
// dir is a read-only bind mount, a table dir cvc may not write is chmod 555 with cvc run as `nobody`
// (setpriv), and a full disk is a tiny tmpfs. Without mount or setpriv these tests fail, never skip.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cvc, project } from './helpers.js';
import { runChild } from '../../../test-support/child.js';

const NOBODY = 65534;
const AS_NOBODY = ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups'];
const mounted: string[] = [];

async function sh(cmd: string, args: string[]): Promise<void> {
  const r = await runChild(cmd, args);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (needs root with CAP_SYS_ADMIN): ${r.stderr}`);
  }
}

async function mountReadOnly(dir: string): Promise<void> {
  await sh('mount', ['--bind', dir, dir]);
  mounted.push(dir);
  await sh('mount', ['-o', 'remount,bind,ro', dir]);
}

async function mountTmpfs(dir: string, size: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await sh('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounted.push(dir);
}

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  if (statSync(path).isDirectory()) for (const f of readdirSync(path)) chownTree(join(path, f), uid);
}

/** A small demo world through the CLI: source, ingest, a baseline bundle as champion, its forecasts. */
async function world(): Promise<{ dir: string; config: string; data: string }> {
  const p = project('demo: { stores: 3, from: "2025-01-01", asOf: "2025-03-31" }\n');
  const train = ['train', '--from', '2025-01-01', '--models', 'seasonal_naive', '--promote', 'always'];
  for (const args of [['demo', 'init'], ['ingest'], train, ['infer']]) {
    const r = await cvc(['--config', p.config, '--log-level', 'warn', ...args]);
    if (r.code !== 0) throw new Error(`cvc ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  }
  return { ...p, data: join(p.dir, 'data') };
}

afterEach(async () => {
  while (mounted.length) await runChild('umount', [mounted.pop()!]);
});

describe('read-only and full disks', () => {
  beforeAll(async () => {
    // The mechanisms these tests rely on must be here: fail loudly otherwise.
    const probe = mkdtempSync(join(tmpdir(), 'cvc-probe-'));
    await mountTmpfs(join(probe, 'm'), '16k');
    await runChild('umount', [mounted.pop()!]);
    const who = await runChild('setpriv', [...AS_NOBODY, 'id', '-u']);
    if (who.stdout.trim() !== String(NOBODY)) {
      throw new Error(`setpriv cannot run a process as uid ${NOBODY}: ${who.stderr}`);
    }
  });

  it('runs the read-only commands on a read-only data dir; writing commands name it', async () => {
    const w = await world();
    await mountReadOnly(w.data);
    const probe = await runChild('touch', [join(w.data, 'probe')]);
    expect(probe.status, 'the bind mount must refuse writes').not.toBe(0);
    for (const args of [
      ['forecast', 'show', '--store', '1'],
      ['runs', 'list'],
      ['models', 'list'],
    ]) {
      const r = await cvc(['--config', w.config, '--log-level', 'warn', ...args]);
      expect(r.stderr, args.join(' ')).not.toMatch(/not writable/);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const show = await cvc(['--config', w.config, '--log-level', 'warn', 'forecast', 'show', '--store', '1']);
    expect(show.stdout).toMatch(/store 1/i);
    const ingest = await cvc(['--config', w.config, 'ingest']);
    expect(ingest.code).toBe(2);
    expect(ingest.stderr).toContain(w.data);
  }, 300_000);

  it('names the table dir it may not write, exit 2, instead of a raw EACCES', async () => {
    const w = await world();
    chmodSync(w.dir, 0o755);
    chownTree(w.dir, NOBODY);
    const features = join(w.data, 'lake', 'features');
    chmodSync(features, 0o555);
    chmodSync(join(features, '_delta_log'), 0o555);
    const r = await runChild(
      'setpriv',
      [...AS_NOBODY, process.execPath, BIN, '--config', w.config, '--log-level', 'warn', 'ingest', '--full'],
      { env: { ...process.env, HOME: w.dir }, cwd: w.dir },
    );
    expect(r.stderr).toMatch(new RegExp(`^cvc: ${features}\\S* is not accessible: permission denied`, 'm'));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(2);
  }, 300_000);

  it('names the path when the disk fills up', async () => {
    const w = await world();
    const tracking = join(w.data, 'tracking');
    rmSync(tracking, { recursive: true, force: true });
    await mountTmpfs(tracking, '8k');
    const r = await cvc([
      '--config',
      w.config,
      '--log-level',
      'warn',
      'train',
      '--from',
      '2025-01-01',
      '--models',
      'ets',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^cvc: no space left on device writing ${tracking}[/ ]`, 'm'));
  }, 300_000);
});
