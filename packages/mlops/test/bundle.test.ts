import { appendFile, link, readFile, rm, symlink, truncate, writeFile, mkdir, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { create, list } from 'tar';
import {
  BundleIntegrityError,
  BundleManifestError,
  BundleVersionError,
  isInputError,
  MlopsInputError,
  UnknownModelKindError,
  UnsafeArchiveError,
  configHash,
  exportBundle,
  importBundle,
  readBundle,
  readManifest,
  writeBundle,
} from './imports.js';
import { bundleInput, constantFactory, factories, makeBundle, series, tempDir } from './fixtures.js';

describe('bundle round trip', () => {
  it('writes, reads and routes each store to its model', async () => {
    const dir = join(await tempDir(), 'b');
    const manifest = await writeBundle(dir, bundleInput());
    expect(manifest.formatVersion).toBe(4);
    expect(manifest.files.map((f) => f.path)).toEqual([
      'MLmodel',
      'code/cvc_pyfunc.py',
      'conda.yaml',
      'input_example.json',
      'models/lgbm/extra/scaler.json',
      'models/lgbm/model.json',
      'models/seasonal_naive/extra/scaler.json',
      'models/seasonal_naive/model.json',
      'python_env.yaml',
      'requirements.txt',
      'serving_input_example.json',
    ]);
    expect(manifest.lineage).toEqual({ featureTable: '/lake/features', deltaVersion: 7 });
    const uf = await readBundle(dir, factories);
    const out = await uf.predict({
      series: [series('1', 200), series('2', 200), series('99', 200), series('1', 30)],
      horizon: 35,
    });
    expect(out.map((f) => [f.storeId, f.modelKind, f.route])).toEqual([
      ['1', 'lgbm', 'routed'],
      ['2', 'seasonal_naive', 'routed'],
      ['99', 'seasonal_naive', 'unknown-store'],
      ['1', 'seasonal_naive', 'short-history'],
    ]);
    expect(out[0]!.p50[34]).toBe(10);
    expect(out[0]!.p10[0]).toBe(9);
    expect(out[1]!.p90[0]).toBe(4);
    await expect(uf.predict({ series: [series('1', 200)], horizon: 36 })).rejects.toBeInstanceOf(MlopsInputError);
  });

  it('accepts factories as a Map and refuses a kind without a factory', async () => {
    const dir = await makeBundle(join(await tempDir(), 'b'));
    const uf = await readBundle(
      dir,
      new Map([
        ['lgbm', constantFactory('lgbm')],
        ['seasonal_naive', constantFactory('seasonal_naive')],
      ]),
    );
    expect([...uf.models.keys()].sort()).toEqual(['lgbm', 'seasonal_naive']);
    await expect(readBundle(dir, [constantFactory('lgbm')])).rejects.toBeInstanceOf(UnknownModelKindError);
  });

  it('refuses routing to a kind without a model and a non-empty target', async () => {
    const dir = join(await tempDir(), 'b');
    await expect(
      writeBundle(dir, bundleInput({ routing: { stores: { '1': 'tft' }, fallback: 'lgbm' } })),
    ).rejects.toThrow(/tft/);
    expect(existsSync(dir)).toBe(false);
    await makeBundle(dir);
    await expect(writeBundle(dir, bundleInput())).rejects.toThrow(/not empty/);
  });

  it('config hash ignores key order', () => {
    expect(configHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(configHash({ b: { d: [1, 2], c: 2 }, a: 1 }));
    expect(configHash({ a: 1 })).not.toBe(configHash({ a: 2 }));
  });
});

describe('bundle bad input', () => {
  it('detects a tampered file and names it', async () => {
    const dir = await makeBundle(join(await tempDir(), 'b'));
    const file = join(dir, 'models/lgbm/model.json');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('10', '11'));
    const err = await readBundle(dir, factories).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleIntegrityError);
    expect((err as Error).message).toContain('models/lgbm/model.json');
    expect((err as Error).message).toContain('sha256');
    expect(isInputError(err)).toBe(true);
  });

  it('detects a truncated file, a missing file and an added file', async () => {
    const dir = await makeBundle(join(await tempDir(), 'b'));
    await truncate(join(dir, 'models/seasonal_naive/model.json'), 5);
    await expect(readBundle(dir, factories)).rejects.toThrow(/seasonal_naive\/model.json: size 5 bytes/);

    const dir2 = await makeBundle(join(await tempDir(), 'b'));
    await rm(join(dir2, 'models/lgbm/model.json'));
    await expect(readBundle(dir2, factories)).rejects.toThrow(/lgbm\/model.json: missing/);

    const dir3 = await makeBundle(join(await tempDir(), 'b'));
    await appendFile(join(dir3, 'models/lgbm/evil.py'), 'x');
    await expect(readBundle(dir3, factories)).rejects.toThrow(/evil.py: not listed/);
  });

  it('reads a format-1 bundle: its calibration (no seasonal profile) widens the intervals as before', async () => {
    const dir = join(await tempDir(), 'b');
    const offsets = { lo: [1, 1, 1, 1], hi: [0.5, 0.5, 0.5, 0.5] };
    await writeBundle(dir, bundleInput({ calibration: { lgbm: { coverage: 0.8, chain: offsets, stores: {} } } }));
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(await readFile(mf, 'utf8')) as Record<string, unknown>;
    await writeFile(mf, JSON.stringify({ ...m, formatVersion: 1 }));
    const uf = await readBundle(dir, factories);
    expect(uf.manifest.formatVersion).toBe(1);
    const [f] = await uf.predict({ series: [series('1', 200)], horizon: 35 });
    // The constant lgbm forecasts 9 / 10 / 11: one half-width more below, half a half-width more above.
    expect([f!.p10[0], f!.p50[0], f!.p90[0], f!.p90[34]]).toEqual([8, 10, 11.5, 11.5]);
  });

  it("applies the offsets of each forecast day's known-future class: promotion days wider than plain", async () => {
    const dir = join(await tempDir(), 'b');
    const none = [0, 0, 0, 0];
    const calibration = {
      lgbm: {
        coverage: 0.8,
        chain: { lo: none, hi: none },
        stores: {},
        // plain, promo, holiday: a promotion day gets one half-width more on each side.
        classes: [
          { lo: none, hi: none },
          { lo: [1, 1, 1, 1], hi: [1, 1, 1, 1] },
          { lo: none, hi: none },
        ],
      },
    };
    await writeBundle(dir, bundleInput({ calibration }));
    const uf = await readBundle(dir, factories);
    expect(uf.manifest.calibration?.['lgbm']?.classes).toHaveLength(3);
    const s = series('1', 200);
    const promo = new Float64Array(235);
    promo[200 + 3] = 0.2; // forecast day 4 is a promotion day
    const [f] = await uf.predict({ series: [{ ...s, future: { promo } }], horizon: 35 });
    // The constant lgbm forecasts 9 / 10 / 11: a plain day keeps them, the promotion day doubles the spread.
    expect([f!.p10[2], f!.p90[2], f!.p10[3], f!.p90[3]]).toEqual([9, 11, 8, 12]);
  });

  it('applies the width rule before the offsets; a format-3 bundle applies them on the raw width', async () => {
    const offsets = { lo: [1, 1, 1, 1], hi: [1, 1, 1, 1] };
    const ones = Array.from({ length: 35 }, () => 1);
    const widthScale = { lo: ones, hi: ones.map((x, h) => (h === 0 ? 0.5 : x)) };
    const dir = join(await tempDir(), 'b');
    await writeBundle(
      dir,
      bundleInput({ calibration: { lgbm: { coverage: 0.8, chain: offsets, stores: {}, widthScale } } }),
    );
    const [f] = await (await readBundle(dir, factories)).predict({ series: [series('1', 200)], horizon: 35 });
    // The constant lgbm forecasts 9 / 10 / 11: day 1's upper half-width is halved to 0.5, then one
    // half-width (0.5) is added: 11, where day 2 gets 1 + 1.
    expect([f!.p10[0], f!.p90[0], f!.p90[1]]).toEqual([8, 11, 12]);

    const old = join(await tempDir(), 'b');
    await writeBundle(old, bundleInput({ calibration: { lgbm: { coverage: 0.8, chain: offsets, stores: {} } } }));
    const mf = join(old, 'manifest.json');
    const m = JSON.parse(await readFile(mf, 'utf8')) as Record<string, unknown>;
    await writeFile(mf, JSON.stringify({ ...m, formatVersion: 3 }));
    const uf = await readBundle(old, factories);
    expect(uf.manifest.formatVersion).toBe(3);
    const [g] = await uf.predict({ series: [series('1', 200)], horizon: 35 });
    expect([g!.p10[0], g!.p90[0]]).toEqual([8, 12]);
  });

  it('refuses a newer format version and a broken manifest', async () => {
    const dir = await makeBundle(join(await tempDir(), 'b'));
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(await readFile(mf, 'utf8')) as Record<string, unknown>;
    await writeFile(mf, JSON.stringify({ ...m, formatVersion: 5, somethingNew: true }));
    const err = await readManifest(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleVersionError);
    expect((err as Error).message).toMatch(/manifest.json: bundle format version 5 is newer/);

    await writeFile(mf, JSON.stringify({ ...m, routing: { stores: {}, fallback: 'nope' } }));
    await expect(readManifest(dir)).rejects.toThrow(/routing.fallback/);
    await writeFile(mf, '{not json');
    await expect(readManifest(dir)).rejects.toBeInstanceOf(BundleManifestError);
    await expect(readManifest(join(dir, 'nowhere'))).rejects.toThrow(/missing: not a cvc bundle/);
  });
});

describe('bundle archive', () => {
  it('exports and imports a bundle that reads back identically', async () => {
    const tmp = await tempDir();
    const dir = await makeBundle(join(tmp, 'b'));
    const m1 = await exportBundle(dir, join(tmp, 'b.tar.gz'));
    const m2 = await importBundle(join(tmp, 'b.tar.gz'), join(tmp, 'imported'));
    expect(m2).toEqual(m1);
    const uf = await readBundle(join(tmp, 'imported'), factories);
    expect((await uf.predict({ series: [series('1', 100)] }))[0]!.p50.length).toBe(35);
    await expect(importBundle(join(tmp, 'b.tar.gz'), join(tmp, 'imported'))).rejects.toThrow(/not empty/);
  });

  it('exports hard-linked bundle files as plain files that import accepts', async () => {
    // A dedup tool or `cp -al` can leave a bundle's identical files as hard links of each other.
    const tmp = await tempDir();
    const dir = await makeBundle(join(tmp, 'b'));
    const scaler = (kind: string) => join(dir, 'models', kind, 'extra/scaler.json');
    const [a, b] = [scaler('lgbm'), scaler('seasonal_naive')];
    await rm(b);
    await link(a, b);
    const m1 = await exportBundle(dir, join(tmp, 'b.tar.gz'));
    const types: string[] = [];
    await list({ file: join(tmp, 'b.tar.gz'), onReadEntry: (e) => void types.push(e.type) });
    expect(new Set(types)).toEqual(new Set(['File', 'Directory']));
    expect(await importBundle(join(tmp, 'b.tar.gz'), join(tmp, 'imported'))).toEqual(m1);
    const copied = join(tmp, 'imported/models/seasonal_naive/extra/scaler.json');
    expect(await readFile(copied, 'utf8')).toBe(await readFile(a, 'utf8'));
  });

  it('refuses archives with ../ entries, absolute paths and escaping symlinks, writing nothing', async () => {
    const tmp = await tempDir();
    const src = join(tmp, 'src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'manifest.json'), '{}');
    await writeFile(join(tmp, 'victim.txt'), 'original');
    await writeFile(join(src, 'sub', 'victim.txt'), 'overwritten');

    // tar itself strips ".." when creating, so craft the headers by rewriting entry paths.
    const dotdot = join(tmp, 'dotdot.tar.gz');
    await create(
      {
        gzip: true,
        file: dotdot,
        cwd: src,
        preservePaths: true,
        onWriteEntry: (e) => {
          if (e.path === 'sub/victim.txt') e.path = '../victim.txt';
        },
      },
      ['manifest.json', 'sub/victim.txt'],
    );
    const target = join(tmp, 'target');
    const err = await importBundle(dotdot, target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeArchiveError);
    expect((err as Error).message).toContain('../victim.txt');
    expect(await readFile(join(tmp, 'victim.txt'), 'utf8')).toBe('original');
    expect(existsSync(target)).toBe(false);

    const abs = join(tmp, 'abs.tar.gz');
    const absPath = join(tmp, 'abs-victim.txt');
    await create(
      {
        gzip: true,
        file: abs,
        cwd: src,
        preservePaths: true,
        onWriteEntry: (e) => {
          if (e.path === 'sub/victim.txt') e.path = absPath;
        },
      },
      ['manifest.json', 'sub/victim.txt'],
    );
    await expect(importBundle(abs, target)).rejects.toThrow(/absolute path/);
    expect(existsSync(absPath)).toBe(false);
    expect(existsSync(target)).toBe(false);

    const linkSrc = join(tmp, 'linksrc');
    await mkdir(linkSrc);
    await symlink('../victim.txt', join(linkSrc, 'escape'));
    const link = join(tmp, 'link.tar.gz');
    await create({ gzip: true, file: link, cwd: linkSrc }, ['escape']);
    await expect(importBundle(link, target)).rejects.toThrow(/SymbolicLink entries are not allowed/);
    expect(existsSync(target)).toBe(false);

    // A hard link entry whose target is outside the bundle. The entry is crafted from an empty plain file:
    // packing two real hard links races in tar 7.5 (when the second link's lstat answers first, the
    // archive is finished twice and its gzip stream throws an unhandled Z_STREAM_ERROR under load).
    const hardSrc = join(tmp, 'hardsrc');
    await mkdir(hardSrc);
    await writeFile(join(hardSrc, 'a'), 'x');
    await writeFile(join(hardSrc, 'b'), '');
    const hard = join(tmp, 'hard.tar.gz');
    const toLink = (e: { path: string; type?: string; linkpath?: string }) => {
      if (e.path === 'b') Object.assign(e, { type: 'Link', linkpath: '../victim.txt' });
    };
    await create({ gzip: true, file: hard, cwd: hardSrc, preservePaths: true, onWriteEntry: toLink }, ['a', 'b']);
    await expect(importBundle(hard, target)).rejects.toThrow(/Link entries are not allowed/);
    expect(existsSync(target)).toBe(false);
    expect(await readFile(join(tmp, 'victim.txt'), 'utf8')).toBe('original');
    expect((await readdir(tmp)).sort()).toEqual([
      'abs.tar.gz',
      'dotdot.tar.gz',
      'hard.tar.gz',
      'hardsrc',
      'link.tar.gz',
      'linksrc',
      'src',
      'victim.txt',
    ]);
  });

  it('refuses a file that is not a tarball', async () => {
    const tmp = await tempDir();
    await writeFile(join(tmp, 'x.tar.gz'), 'garbage');
    await expect(importBundle(join(tmp, 'x.tar.gz'), join(tmp, 't'))).rejects.toBeInstanceOf(MlopsInputError);
  });
});
