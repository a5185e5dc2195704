// Chooses the registry backend the same way tracking is chosen: MLflow when a tracking URI is set.
import type { Logger } from '@cvc/core';
import { join } from 'node:path';
import { mlflowClientFor, mlflowTarget } from '../tracking/open.js';
import { localRegistry } from './local/registry.js';
import { mlflowRegistry } from './mlflow/registry.js';
import type { ModelRegistry } from './registry.js';

export interface RegistrySettings {
  /** config.registry.name */
  name: string;
  /** Absolute local registry root (LoadedConfig.paths.registry); also the download cache for MLflow. */
  root: string;
  /** config.tracking.uri / token. */
  trackingUri: string | null;
  token?: string;
}

export function openRegistry(settings: RegistrySettings, opts: { log?: Logger; env?: NodeJS.ProcessEnv } = {}): ModelRegistry {
  const env = opts.env ?? process.env;
  const target = mlflowTarget({ uri: settings.trackingUri, token: settings.token }, env);
  if (target) return mlflowRegistry({ client: mlflowClientFor(target, opts.log, env), name: settings.name, cacheDir: join(settings.root, '.mlflow-cache') });
  return localRegistry({ root: settings.root, name: settings.name });
}
