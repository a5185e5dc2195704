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
import {
  commitRemoteState,
  isInputError,
  readBundle,
  readRemoteState,
  RegistryConflictError,
  remoteRegistry,
  UnknownAliasError,
} from './imports.js';
import { factories, makeBundle, tempDir } from './fixtures.js';

describe.each(backends())('registry on $name storage', (backend) => {
  beforeAll(() => backend.start(), 120_000);
  afterAll(() => backend.stop());

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
    const exec = promisify(execFile);
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
    const tmp = await tempDir();
    const o = { root: backend.table('reg3'), name: 'm', cacheDir: join(tmp, 'cache') };
    const reg = remoteRegistry(o);
    await reg.register(await makeBundle(join(tmp, 'b1')));
    await reg.register(await makeBundle(join(tmp, 'b2')));
    const stale = await readRemoteState(o);
    await reg.setAlias('champion', 1);
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
