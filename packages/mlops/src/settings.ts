// Tracking and registry settings from a loaded cvc config, so every step opens them the same way.
import { isRemoteLake, type LoadedConfig } from '@cvc/core';
import { join } from 'node:path';
import type { TrackingSettings } from './tracking/open.js';
import type { RegistrySettings } from './registry/open.js';

export function trackingSettings(loaded: Pick<LoadedConfig, 'config' | 'paths'>): TrackingSettings {
  const t = loaded.config.tracking;
  return { uri: t.uri, experiment: t.experiment, root: loaded.paths.tracking, ...(t.token ? { token: t.token } : {}) };
}

export function registrySettings(loaded: Pick<LoadedConfig, 'config' | 'paths'>): RegistrySettings {
  const t = loaded.config.tracking;
  return {
    name: loaded.config.registry.name,
    root: loaded.paths.registry,
    // A registry on Azure downloads bundles next to the other local working files.
    ...(isRemoteLake(loaded.paths.registry) ? { cacheDir: join(loaded.paths.data, 'registry-cache') } : {}),
    trackingUri: t.uri,
    kind: loaded.config.registry.kind,
    ...(t.token ? { token: t.token } : {}),
  };
}
