// The registry on an object store (registry.root: az://...), run on Azurite and, through the same
// Storage layer, on a local directory: numbers claimed by create-if-absent puts, alias changes as a
// chain of create-if-absent state files (a stale writer gets a conflict, never a lost update), bundles
// uploaded under the version and downloaded to a local cache for infer.
import { execFile } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, DEV_KEY, startAzurite } from '../../lakehouse/test/backends.js';
import { storageFor } from '@cvc/lakehouse';
import {
  CLAIM_WINDOW_MS,
  commitRemoteState,
  compactRemoteState,
  isInputError,
  type GarbageReport,
  readBundle,
  readRemoteState,
  RegistryConflictError,
  remoteRegistry,
  UnknownAliasError,
} from './imports.js';
import { factories, makeBundle, tempDir } from './fixtures.js';

const exec = promisify(execFile);

describe.each(backends())('registry on $name storage', (backend) => {
  beforeAll(() => backend.start(), 120_000);
  afterAll(() => backend.stop());

  /** Registry "m" at `table` on this backend, its download cache in a fresh temp dir (`tmp`). */
  async function registryAt(table: string) {
    const tmp = await tempDir();
    const o = { root: backend.table(table), name: 'm', cacheDir: join(tmp, 'cache') };
    return { tmp, o, reg: remoteRegistry(o) };
  }

  /** Two versions registered, the state read by a writer that goes stale, then the champion moved to 1. */
  async function staleAfterTwoVersions(table: string) {
    const { tmp, o, reg } = await registryAt(table);
    await reg.register(await makeBundle(join(tmp, 'b1')));
    await reg.register(await makeBundle(join(tmp, 'b2')));
    const stale = await readRemoteState(o);
    await reg.setAlias('champion', 1);
    return { o, reg, stale };
  }

  it('registers, promotes, rolls back and resolves to a verified local copy of the bundle', async () => {
    const tmp = await tempDir();
    const root = backend.table('reg1');
    const cacheDir = join(tmp, 'cache');
    const reg = remoteRegistry({ root, name: 'cvc-forecaster', cacheDir });
    expect(reg.backend).toBe('azure');
    await expect(reg.resolve('champion')).rejects.toBeInstanceOf(UnknownAliasError);
    const r1 = await reg.register(await makeBundle(join(tmp, 'b1'), 0.3), { promote: 'better-wape', runId: 'run1' });
    expect(r1).toMatchObject({ version: 1, promoted: true, reason: 'no champion yet' });
    const r2 = await reg.register(await makeBundle(join(tmp, 'b2'), 0.2), { promote: 'better-wape' });
    expect(r2.promoted).toBe(true);
    const r3 = await reg.register(await makeBundle(join(tmp, 'b3'), 0.25), { promote: 'better-wape' });
    expect(r3).toMatchObject({ version: 3, promoted: false });

    expect(await backend.names(root, 'cvc-forecaster/versions')).toEqual(['1.json', '2.json', '3.json']);
    await reg.setAlias('challenger', 3);
    await reg.promote(3);
    expect((await reg.list()).map((v) => [v.version, v.aliases, v.wape, v.runId])).toEqual([
      [1, [], 0.3, 'run1'],
      [2, [], 0.2, null],
      [3, ['challenger', 'champion'], 0.25, null],
    ]);
    expect((await reg.list())[0]!.routes).toEqual({
      stores: { lgbm: 1, seasonal_naive: 1 },
      fallback: 'seasonal_naive',
    });
    expect(await reg.rollback()).toEqual({ from: 3, to: 2 });

    const resolved = await reg.resolve('champion');
    expect(resolved.version).toBe(2);
    expect(resolved.bundleDir.startsWith(cacheDir)).toBe(true);
    expect((await readBundle(resolved.bundleDir, factories)).manifest.backtest.wape).toBe(0.2);
    // A second resolve reuses the verified copy; the cache holds no half-downloaded folder.
    expect((await reg.resolve(2)).bundleDir).toBe(resolved.bundleDir);
    expect((await readdir(join(cacheDir, 'cvc-forecaster'))).filter((f) => f.startsWith('.'))).toEqual([]);

    // Concurrent resolves into a fresh cache (4 infers at once) all load a whole bundle.
    const fresh = remoteRegistry({ root, name: 'cvc-forecaster', cacheDir: join(tmp, 'cache2') });
    for (const r of await Promise.all(Array.from({ length: 4 }, () => fresh.resolve(3))))
      expect((await readBundle(r.bundleDir, factories)).manifest.backtest.wape).toBe(0.25);
    // A damaged cached copy is replaced by a fresh download.
    const damaged = (await fresh.resolve(3)).bundleDir;
    await writeFile(join(damaged, 'manifest.json'), '{}');
    expect((await readBundle((await fresh.resolve(3)).bundleDir, factories)).manifest.backtest.wape).toBe(0.25);

    const err = await reg.promote(9).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownAliasError);
    expect((err as Error).message).toMatch(/version 9 does not exist \(versions: 1, 2, 3\)/);
  }, 120_000);

  it('refuses alias changes before any version exists: exit 2 saying to run cvc train', async () => {
    const reg = remoteRegistry({ root: backend.table('empty'), name: 'm', cacheDir: await tempDir() });
    const err = await reg.promote(1).catch((e: unknown) => e);
    expect(isInputError(err)).toBe(true);
    expect((err as Error).message).toMatch(/no registry "m" here yet; run `cvc train`/);
  });

  it('gives concurrent registrations (in process and in other processes) distinct versions', async () => {
    const tmp = await tempDir();
    const root = backend.table('reg2');
    const cacheDir = join(tmp, 'cache');
    const bundle = await makeBundle(join(tmp, 'b'));
    const reg = remoteRegistry({ root, name: 'm', cacheDir });
    const inProcess = Array.from({ length: 4 }, () => reg.register(bundle, { promote: 'always' }));
    const worker = join(import.meta.dirname, 'register-remote-worker.ts');
    const children = Array.from({ length: 2 }, () =>
      exec('npx', ['tsx', '--conditions', 'source', worker, root, bundle, '2', cacheDir], {
        cwd: join(import.meta.dirname, '..'),
        env: process.env,
      }),
    );
    const results = await Promise.all(inProcess);
    await Promise.all(children);
    expect(new Set(results.map((r) => r.version)).size).toBe(4);
    expect((await reg.list()).map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const { seq, state } = await readRemoteState({ root, name: 'm', cacheDir });
    expect(seq).toBe(8);
    expect(
      state.events
        .filter((e) => e.action === 'register')
        .map((e) => e.version)
        .sort(),
    ).toEqual(['1', '2', '3', '4', '5', '6', '7', '8'].map(Number).sort());
    // Every registration promoted: the 7 earlier champions are remembered for rollback.
    expect(state.previous['champion']).toHaveLength(7);
  }, 300_000);

  it('a stale alias writer gets a conflict; concurrent alias changes are all kept', async () => {
    const { o, reg, stale } = await staleAfterTwoVersions('reg3');
    stale.state.aliases['champion'] = 2;
    const err = await commitRemoteState(o, stale.seq, stale.state).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryConflictError);
    expect((err as Error).message).toMatch(/another writer changed the registry after state 2 was read/);
    expect((await reg.show('champion')).version).toBe(1);

    const aliases = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
    await Promise.all(aliases.map((a, i) => reg.setAlias(a, (i % 2) + 1)));
    const { state } = await readRemoteState(o);
    expect(Object.keys(state.aliases).sort()).toEqual([...aliases, 'champion'].sort());
  }, 120_000);

  it('an upload killed before its version claim is collected after the grace period, never a claimed one', async () => {
    const { tmp, o, reg } = await registryAt('reg4');
    const bundle = await makeBundle(join(tmp, 'b'));
    await reg.register(bundle, { promote: 'always' });
    const worker = join(import.meta.dirname, 'register-crash-worker.ts');
    const crash = (when: string) =>
      exec(process.execPath, ['--conditions=source', '--import', 'tsx', worker, o.root, bundle, o.cacheDir, when], {
        cwd: join(import.meta.dirname, '..'),
        env: process.env,
      }).then(
        (r) => r.stdout,
        (e: { signal?: string }) => e.signal,
      );
    // One child killed mid-upload, one right after its bundle claim: neither claimed a version.
    expect(await crash('upload')).toBe('SIGKILL');
    expect(await crash('claim')).toBe('SIGKILL');
    const store = storageFor(o.root);
    const folders = async () => new Set((await store.listRecursive('m/bundles')).map((f) => f.path.split('/')[2]));
    expect((await folders()).size).toBe(3);
    expect(await backend.names(o.root, 'm/versions')).toEqual(['1.json']);
    expect(await backend.names(o.root, 'm/bundle-fates')).toHaveLength(2);
    const v1 = (await reg.show(1)).source.split('/').at(-1);

    // Within the grace period nothing goes.
    const kept = await reg.collectGarbage!({ graceMs: 3_600_000 });
    expect(kept).toMatchObject({ collected: [] });
    expect(kept.young).toHaveLength(2);
    // Past it the crashed upload goes; the claimed one waits for twice the claim window.
    const crashedClaim = (await store.listNames('m/bundle-fates'))
      .map((n) => n.replace(/\.json$/, ''))
      .find((id) => id !== v1)!;
    const r = await reg.collectGarbage!({ graceMs: 0 });
    expect(r.collected).toHaveLength(1);
    expect(r.young).toEqual([crashedClaim]);
    // As if that claim had been made 2.5 claim windows ago: no registration claims a version that late.
    const at = new Date(Date.now() - 2.5 * CLAIM_WINDOW_MS).toISOString();
    await store.put(`m/bundle-fates/${crashedClaim}.json`, JSON.stringify({ fate: 'claimed', at }));
    expect((await reg.collectGarbage!({ graceMs: 0 })).collected).toEqual([crashedClaim]);
    expect(await folders()).toEqual(new Set([v1]));

    // The claimed version 1 is whole, however old, and the next registration goes on at 2.
    const fresh = remoteRegistry({ ...o, cacheDir: join(tmp, 'cache2') });
    expect((await readBundle((await fresh.resolve(1)).bundleDir, factories)).manifest.backtest.wape).toBe(0.2);
    expect((await reg.register(bundle)).version).toBe(2);
    expect((await reg.collectGarbage!({ graceMs: 0 })).collected).toEqual([]);
  }, 180_000);

  it('gc run at each step of a registration, with no grace period, removes no bundle a version claims', async () => {
    const { tmp, o, reg: gc } = await registryAt('reg5');
    const reports: GarbageReport[] = [];
    // gc (grace 0: every unclaimed upload counts as abandoned) runs once mid-upload, once between the
    // upload and its claim, once between the claim and the version claim.
    const points = new Set(['mid-upload', 'before-claim', 'after-claim']);
    let bundlePuts = 0;
    const at = async (point: string) => {
      if (points.delete(point)) reports.push(await gc.collectGarbage!({ graceMs: 0 }));
    };
    const real = storageFor(o.root);
    const storage = new Proxy(real, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const path = String(args[0]);
          const fate = key === 'putIfAbsent' && path.includes('/bundle-fates/');
          if (fate) await at('before-claim');
          const out = (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
          if (key === 'put' && path.includes('/bundles/') && ++bundlePuts === 2) await at('mid-upload');
          if (fate && out === true) await at('after-claim');
          return out;
        };
      },
    });
    const reg = remoteRegistry({ ...o, storage });
    const r = await reg.register(await makeBundle(join(tmp, 'b')), { promote: 'always' });
    const fresh = remoteRegistry({ ...o, cacheDir: join(tmp, 'cache2') });
    expect((await readBundle((await fresh.resolve(r.version)).bundleDir, factories)).manifest.backtest.wape).toBe(0.2);
    expect(points.size).toBe(0);
    // The first two uploads were collected under it (it uploaded again); the claimed third was left.
    expect(reports.map((x) => [x.collected.length, x.young.length])).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    // The files the first upload went on putting after its collection go in the next gc.
    await gc.collectGarbage!({ graceMs: 0 });
    const left = new Set((await real.listRecursive('m/bundles')).map((f) => f.path.split('/')[2]));
    expect(left).toEqual(new Set([r.info.source.split('/').at(-1)]));
  }, 180_000);

  it('the alias log is compacted under concurrent moves; a stale writer still gets its conflict', async () => {
    const { o, reg, stale } = await staleAfterTwoVersions('reg6');
    await reg.setAlias('champion', 2);
    expect(await compactRemoteState(o, 0)).toBe(3);
    expect(await backend.names(o.root, 'm/state')).toEqual(['000000000004.json']);
    // The stale writer's file (state 3) was compacted away, so its put succeeds: it is still a conflict,
    // and its file is gone again.
    stale.state.aliases['stale'] = 1;
    const err = await commitRemoteState(o, stale.seq, stale.state).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryConflictError);
    expect(await backend.names(o.root, 'm/state')).toEqual(['000000000004.json']);
    expect((await readRemoteState(o)).state.aliases).toEqual({ champion: 2 });

    // Alias moves while compactions (keeping only the newest state) and readers run beside them.
    const aliases = Array.from({ length: 10 }, (_, i) => `a${i}`);
    let reads = 0;
    const compactAndRead = async () => {
      for (let i = 0; i < 15; i++) {
        await compactRemoteState(o, 0);
        expect((await readRemoteState(o)).seq).toBeGreaterThanOrEqual(4);
        reads++;
      }
    };
    await Promise.all([...aliases.map((a, i) => reg.setAlias(a, (i % 2) + 1)), compactAndRead(), compactAndRead()]);
    expect(reads).toBe(30);
    const { seq, state } = await readRemoteState(o);
    expect(Object.keys(state.aliases).sort()).toEqual([...aliases, 'champion'].sort());
    // Each move applied once: no writer re-applied a change that had in fact been kept.
    for (const a of aliases) expect(state.events.filter((e) => e.alias === a)).toHaveLength(1);
    expect(seq).toBe(14);

    // Writers compact on their own every 50th change, keeping the last 10 states.
    for (let i = 0; seq + i < 50; i++) await reg.setAlias('champion', (i % 2) + 1);
    expect(await backend.names(o.root, 'm/state')).toEqual(
      Array.from({ length: 11 }, (_, i) => `0000000000${40 + i}.json`),
    );
  }, 180_000);
});

describe('registry on Azurite with a wrong account key', () => {
  it('fails with HTTP 403 and never shows either key', async () => {
    const azurite = await startAzurite();
    const saved = process.env['AZURE_STORAGE_CONNECTION_STRING'];
    const wrong = Buffer.from('a wrong key, secret all the same').toString('base64');
    process.env['AZURE_STORAGE_CONNECTION_STRING'] = azurite.connectionString.replace(DEV_KEY, wrong);
    try {
      const reg = remoteRegistry({ root: 'az://models/registry', name: 'm', cacheDir: await tempDir() });
      const err = await reg.register(await makeBundle(join(await tempDir(), 'b'))).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/HTTP 403/);
      expect((err as Error).message).not.toContain(wrong);
      expect((err as Error).message).not.toContain(DEV_KEY);
    } finally {
      if (saved === undefined) delete process.env['AZURE_STORAGE_CONNECTION_STRING'];
      else process.env['AZURE_STORAGE_CONNECTION_STRING'] = saved;
      await azurite.stop();
    }
  }, 120_000);
});
