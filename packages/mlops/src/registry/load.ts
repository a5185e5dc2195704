// What infer calls: an alias or version of the registry -> a verified, loaded UnifiedForecaster.
import { readBundle, type FactorySet } from '../bundle/read.js';
import type { UnifiedForecaster } from '../bundle/unified.js';
import type { ModelRegistry, ResolvedVersion } from './registry.js';

export async function loadFromRegistry(
  registry: ModelRegistry,
  aliasOrVersion: number | string,
  factories: FactorySet,
): Promise<{ forecaster: UnifiedForecaster; resolved: ResolvedVersion }> {
  const resolved = await registry.resolve(aliasOrVersion);
  return { forecaster: await readBundle(resolved.bundleDir, factories), resolved };
}
