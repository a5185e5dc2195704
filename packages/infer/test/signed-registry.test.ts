// registry.signingKey end to end, in process: train signs the bundle it registers, infer runs it
// from the registry, and a config with another key refuses it (exit 2) without printing either key.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeOf, parseConfig } from '@cvc/core';
import { trainedWorld } from '../../cli/test/world.js';
import { resolveBundle, runInfer } from '../src/index.js';

describe('signed bundles through train, the registry and infer', () => {
  it('signs at train, runs with the key, refuses with another key', async () => {
    process.env['CVC_TEST_SIGNING_KEY'] = 'train-side-key-0123456789';
    // Demo source, ingest, then `trainAndRegister` (the library call behind `cvc train`).
    const world = await trainedWorld({ stores: 3, yaml: 'registry: { signingKey: "${CVC_TEST_SIGNING_KEY}" }\n' });
    expect(world.config.registry.signingKey).toBe('train-side-key-0123456789');
    const bundle = await resolveBundle(world, undefined);
    expect(existsSync(join(bundle.bundleDir, 'manifest.sig'))).toBe(true);
    expect(readFileSync(join(bundle.bundleDir, 'manifest.json'), 'utf8')).not.toContain('train-side-key');
    const r = await runInfer({ loaded: world, ...bundle, runId: 'signed-1' });
    expect(r.rows).toBeGreaterThan(0);

    const registry = { ...world.config.registry, signingKey: 'another-key-0123456789' };
    const otherKey = { ...world, config: parseConfig({ ...world.config, registry }) };
    const err = await runInfer({ loaded: otherKey, ...bundle, runId: 'signed-2' }).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(2);
    expect((err as Error).message).toContain('manifest.sig: does not match registry.signingKey');
    expect((err as Error).message).not.toMatch(/train-side-key|another-key/);
  }, 300_000);
});
