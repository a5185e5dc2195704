// Optional bundle signing (registry.signingKey): a signed bundle reads back with its key; an
// unsigned one, one signed with another key, or one whose manifest changed after signing is
// refused (exit 2) once a key is set; without a key nothing changes. The key is written nowhere.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BundleSignatureError, configHash, exportBundle, importBundle, isInputError } from './imports.js';
import { readBundle, SIGNATURE_FILE, verifyBundle, writeBundle } from './imports.js';
import { bundleInput, factories, tempDir } from './fixtures.js';

const KEY = 'k3y-7Hq9-zz81-signing-Secret';

async function allBytes(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) parts.push((await readFile(join(e.parentPath, e.name))).toString('latin1'));
  }
  return parts.join('\n');
}

describe('bundle signing', () => {
  it('signs with the key, reads back with it, and the key is in no file of the bundle or its archive', async () => {
    const root = await tempDir();
    const dir = join(root, 'b');
    await writeBundle(dir, bundleInput({ signingKey: KEY }));
    expect(await readFile(join(dir, SIGNATURE_FILE), 'utf8')).toMatch(/^hmac-sha256 [0-9a-f]{64}\n$/);
    await expect(readBundle(dir, factories, { signingKey: KEY })).resolves.toBeDefined();
    await expect(readBundle(dir, factories)).resolves.toBeDefined();
    expect(await allBytes(dir)).not.toContain(KEY);
    // The signature travels through export / import.
    await exportBundle(dir, join(root, 'b.tar.gz'));
    expect((await readFile(join(root, 'b.tar.gz'))).toString('latin1')).not.toContain(KEY);
    await importBundle(join(root, 'b.tar.gz'), join(root, 'copy'));
    await expect(verifyBundle(join(root, 'copy'), { signingKey: KEY })).resolves.toBeDefined();
  });

  it('refuses an unsigned bundle, another key, a manifest changed after signing; never names the key', async () => {
    const root = await tempDir();
    const unsigned = join(root, 'u');
    await writeBundle(unsigned, bundleInput());
    await expect(readBundle(unsigned, factories)).resolves.toBeDefined(); // no key: as before
    const errs: unknown[] = [await readBundle(unsigned, factories, { signingKey: KEY }).catch((e: unknown) => e)];
    const other = join(root, 'o');
    await writeBundle(other, bundleInput({ signingKey: 'another-key-0123456789' }));
    errs.push(await verifyBundle(other, { signingKey: KEY }).catch((e: unknown) => e));
    const edited = join(root, 'e');
    await writeBundle(edited, bundleInput({ signingKey: KEY }));
    type Manifest = { routing: { fallback: string } };
    const manifest = JSON.parse(await readFile(join(edited, 'manifest.json'), 'utf8')) as Manifest;
    manifest.routing.fallback = 'lgbm';
    await writeFile(join(edited, 'manifest.json'), JSON.stringify(manifest, null, 2));
    errs.push(await verifyBundle(edited, { signingKey: KEY }).catch((e: unknown) => e));
    const [u, o, e] = errs as Error[];
    for (const err of errs) {
      expect(err).toBeInstanceOf(BundleSignatureError);
      expect(isInputError(err)).toBe(true);
      expect(String((err as Error).message) + String((err as Error).stack)).not.toContain(KEY);
    }
    const why =
      'missing: the bundle is unsigned, and registry.signingKey is set, ' + 'so only bundles signed with it are run';
    expect(u!.message).toBe(`${join(unsigned, SIGNATURE_FILE)}: ${why}`);
    expect(o!.message).toContain(`${join(other, SIGNATURE_FILE)}: does not match registry.signingKey`);
    expect(e!.message).toContain(`${join(edited, SIGNATURE_FILE)}: does not match registry.signingKey`);
  });

  it('leaves secrets out of the config hash', () => {
    const a = { registry: { name: 'm', signingKey: KEY }, tracking: { token: 't1' } };
    const b = { registry: { name: 'm', signingKey: 'other-key-0123456789' }, tracking: { token: 't2' } };
    expect(configHash(a)).toBe(configHash(b));
  });
});
