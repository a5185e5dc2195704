import { execFile } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  BundleIntegrityError,
  decidePromotion,
  listVersions,
  localRegistry,
  readBundle,
  registerVersion,
  RegistryLockError,
  UnknownAliasError,
  isInputError,
  withLock,
} from './imports.js';
import { factories, makeBundle, tempDir } from './fixtures.js';

describe('promotion rule', () => {
  it('decides by rule and WAPE', () => {
    expect(decidePromotion('manual', 0.1, undefined).promote).toBe(false);
    expect(decidePromotion('better-wape', 0.3, undefined).promote).toBe(true);
    expect(decidePromotion('better-wape', 0.1, { version: 1, wape: 0.2 }).promote).toBe(true);
    expect(decidePromotion('better-wape', 0.2, { version: 1, wape: 0.2 }).promote).toBe(false);
    expect(decidePromotion('better-wape', null, { version: 1, wape: 0.2 }).promote).toBe(false);
    expect(decidePromotion('always', 0.9, { version: 1, wape: 0.2 }).promote).toBe(true);
  });
});

describe('local registry', () => {
  it('registers versions, promotes by better-wape, moves aliases and rolls back', async () => {
    const tmp = await tempDir();
    const reg = localRegistry({ root: join(tmp, 'registry'), name: 'cvc-forecaster' });
    const b1 = await makeBundle(join(tmp, 'b1'), 0.3);
    const b2 = await makeBundle(join(tmp, 'b2'), 0.2);
    const b3 = await makeBundle(join(tmp, 'b3'), 0.25);

    const r1 = await reg.register(b1, { promote: 'better-wape', runId: 'run1' });
    expect(r1).toMatchObject({ version: 1, promoted: true, reason: 'no champion yet' });
    const r2 = await reg.register(b2, { promote: 'better-wape' });
    expect(r2.promoted).toBe(true);
    const r3 = await reg.register(b3, { promote: 'better-wape' });
    expect(r3).toMatchObject({ version: 3, promoted: false });
    expect(r3.reason).toMatch(/does not beat champion 2/);

    expect((await reg.resolve('champion')).version).toBe(2);
    await reg.setAlias('challenger', 3);
    expect((await reg.show('challenger')).aliases).toEqual(['challenger']);
    await reg.promote(3);
    expect((await reg.show(3)).aliases).toEqual(['challenger', 'champion']);
    expect((await reg.list()).map((v) => [v.version, v.aliases, v.wape, v.runId])).toEqual([
      [1, [], 0.3, 'run1'],
      [2, [], 0.2, null],
      [3, ['challenger', 'champion'], 0.25, null],
    ]);
    // What `cvc models list` shows of each version: stores per model kind, read from its manifest.
    expect((await reg.list())[0]!.routes).toEqual({
      stores: { lgbm: 1, seasonal_naive: 1 },
      fallback: 'seasonal_naive',
    });
    expect((await reg.show('champion')).routes).toEqual({
      stores: { lgbm: 1, seasonal_naive: 1 },
      fallback: 'seasonal_naive',
    });

    expect(await reg.rollback()).toEqual({ from: 3, to: 2 });
    expect(await reg.rollback()).toEqual({ from: 2, to: 1 });
    await expect(reg.rollback()).rejects.toThrow(/no previous version/);
    expect((await reg.resolve('champion')).version).toBe(1);
    expect((await reg.resolve('latest')).version).toBe(3);

    const resolved = await reg.resolve('challenger');
    const uf = await readBundle(resolved.bundleDir, factories);
    expect(uf.manifest.backtest.wape).toBe(0.25);

    const state = JSON.parse(await readFile(join(tmp, 'registry', 'cvc-forecaster', 'registry.json'), 'utf8')) as {
      events: { action: string }[];
    };
    expect(state.events.filter((e) => e.action === 'rollback')).toHaveLength(2);
  });

  it('names the unknown alias or version, and refuses a tampered registered bundle', async () => {
    const tmp = await tempDir();
    const reg = localRegistry({ root: tmp, name: 'm' });
    await reg.register(await makeBundle(join(tmp, 'b')));
    const err = await reg.resolve('staging').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownAliasError);
    expect((err as Error).message).toMatch(/registry.json: unknown alias "staging"/);
    await expect(reg.resolve(7)).rejects.toThrow(/version 7 does not exist/);
    await expect(reg.setAlias('champion', 9)).rejects.toBeInstanceOf(UnknownAliasError);
    await expect(reg.setAlias('9lives', 1)).rejects.toThrow(/alias "9lives"/);
    await writeFile(
      join(tmp, 'm', '1', 'bundle', 'models', 'lgbm', 'model.json'),
      '{"kind":"lgbm","params":{"value":1e9}}',
    );
    await expect(reg.resolve(1)).rejects.toBeInstanceOf(BundleIntegrityError);
    await expect(reg.register(join(tmp, 'nope'))).rejects.toThrow(/manifest.json: missing/);
  });

  it('gives concurrent registrations distinct versions without corrupting registry.json', async () => {
    const tmp = await tempDir();
    const root = join(tmp, 'registry');
    const bundle = await makeBundle(join(tmp, 'b'));
    const inProcess = Array.from({ length: 6 }, () =>
      registerVersion({ root, name: 'm' }, bundle, { promote: 'always' }),
    );
    const exec = promisify(execFile);
    const worker = join(import.meta.dirname, 'register-worker.ts');
    const children = Array.from({ length: 3 }, () =>
      exec('npx', ['tsx', '--conditions', 'source', worker, root, bundle, '3'], {
        cwd: join(import.meta.dirname, '..'),
      }),
    );
    const results = await Promise.all(inProcess);
    await Promise.all(children);
    expect(new Set(results.map((r) => r.version)).size).toBe(6);
    const versions = await listVersions({ root, name: 'm' });
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    const state = JSON.parse(await readFile(join(root, 'm', 'registry.json'), 'utf8')) as {
      events: { action: string }[];
      previous: { champion: number[] };
    };
    expect(state.events.filter((e) => e.action === 'register')).toHaveLength(15);
    // Every registration promoted: 14 earlier champions are remembered for rollback.
    expect(state.previous.champion).toHaveLength(14);
    expect((await readdir(join(root, 'm'))).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 180_000);

  it('refuses rollback and promote before any registry exists: exit 2 saying to run cvc train', async () => {
    const root = join(await tempDir(), 'registry');
    const reg = localRegistry({ root, name: 'm' });
    for (const call of [() => reg.rollback(), () => reg.promote(1)]) {
      const err = await call().catch((e: unknown) => e);
      expect(isInputError(err)).toBe(true);
      const what = 'no registry "m" here yet; run `cvc train` to register a first version';
      expect((err as Error).message).toBe(`${join(root, 'm')}: ${what}`);
    }
  });

  it('times out on a held lock and breaks a lock left by a dead process', async () => {
    const tmp = await tempDir();
    const lock = join(tmp, '.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: 'elsewhere', at: 'now' }));
    await expect(withLock(lock, async () => 1, { timeoutMs: 200 })).rejects.toBeInstanceOf(RegistryLockError);
    const { hostname } = await import('node:os');
    await writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), at: 'then' }));
    expect(await withLock(lock, async () => 42, { timeoutMs: 2000 })).toBe(42);
  });

  it('registers through an empty, foreign-host, pid-reused or too-old lock; names rm for a live one', async () => {
    const { hostname } = await import('node:os');
    const { utimes } = await import('node:fs/promises');
    const { currentBootId, processStartTicks } = await import('@cvc/core');
    const tmp = await tempDir();
    const reg = localRegistry({ root: join(tmp, 'reg'), name: 'm', lock: { timeoutMs: 2000 } });
    const bundle = await makeBundle(join(tmp, 'b'));
    await reg.register(bundle);
    const lock = join(tmp, 'reg', 'm', '.registry.lock');
    const procStart = processStartTicks(process.pid);
    const me = { pid: process.pid, host: hostname(), bootId: currentBootId(), procStart, token: 't' };
    const aged = async (text: string, seconds: number) => {
      await writeFile(lock, text);
      const t = new Date(Date.now() - seconds * 1000);
      await utimes(lock, t, t);
    };
    const now = new Date().toISOString();
    // Each stale lock in place, a registration goes through: versions 2..5.
    await aged('', 30); // ENOSPC after O_EXCL, as older cvc versions left it
    expect((await reg.register(bundle)).version).toBe(2);
    await aged(JSON.stringify({ ...me, host: 'old-container', startedAt: now }), 600);
    expect((await reg.register(bundle)).version).toBe(3);
    await aged(JSON.stringify({ ...me, procStart: (me.procStart ?? 0) + 7, startedAt: now }), 0);
    expect((await reg.register(bundle)).version).toBe(4);
    await aged(JSON.stringify({ ...me, startedAt: new Date(Date.now() - 3600_000).toISOString() }), 0);
    expect((await reg.register(bundle)).version).toBe(5);
    // Our own live process, started when it says: held, and the error says how to clear it.
    await aged(JSON.stringify({ ...me, startedAt: now }), 0);
    const err = (await withLock(lock, async () => 5, { timeoutMs: 200 }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(RegistryLockError);
    expect(err.message).toContain(`remove it: rm '${lock}'`);
  });
});
