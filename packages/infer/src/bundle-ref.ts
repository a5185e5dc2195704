// Which bundle infer runs: a registry alias (default config infer.alias), a registry version, or a
// path to a bundle directory or exported .tar.gz. Every route ends in a verified bundle directory.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { silentLogger, type LoadedConfig, type Logger } from '@cvc/core';
import { importBundle, openRegistry, registrySettings } from '@cvc/mlops';

export type BundleRef = { alias: string } | { version: number } | { path: string };

export async function resolveBundle(loaded: LoadedConfig, ref: BundleRef | undefined, log: Logger = silentLogger): Promise<{ bundleDir: string; bundleVersion: string }> {
  if (ref && 'path' in ref) {
    const path = resolve(ref.path);
    if (path.endsWith('.tar.gz') || path.endsWith('.tgz')) {
      const dir = join(await mkdtemp(join(tmpdir(), 'cvc-bundle-')), 'bundle');
      await importBundle(path, dir);
      return { bundleDir: dir, bundleVersion: path };
    }
    return { bundleDir: path, bundleVersion: path };
  }
  const registry = openRegistry(registrySettings(loaded), { log });
  const key = ref ? ('alias' in ref ? ref.alias : ref.version) : loaded.config.infer.alias;
  const r = await registry.resolve(key);
  return { bundleDir: r.bundleDir, bundleVersion: String(r.version) };
}
