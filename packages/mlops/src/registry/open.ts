// Chooses the registry backend the same way tracking is chosen: MLflow when a tracking URI is set.
import { isRemoteLake, type Logger } from '@cvc/core';
import { join } from 'node:path';
import { mlflowClientFor, mlflowTarget } from '../tracking/open.js';
import { MlopsInputError } from '../errors.js';
import { localRegistry } from './local/registry.js';
import { remoteRegistry } from './remote/registry.js';
import { mlflowRegistry } from './mlflow/registry.js';
import type { ModelRegistry } from './registry.js';

export interface RegistrySettings {
  /** config.registry.name */
  name: string;
  /** Registry root (LoadedConfig.paths.registry): a local directory, or an Azure URL (see remote/registry.ts). */
  root: string;
  /** Local download cache for a remote registry and for MLflow (default: <root>/.mlflow-cache, local root). */
  cacheDir?: string;
  /** config.tracking.uri / token. */
  trackingUri: string | null;
  token?: string;
  /** config.registry.kind: unity-catalog uses MLflow's databricks-uc registry endpoints (needs a tracking URI). */
  kind?: 'mlflow' | 'unity-catalog';
}

export function openRegistry(
  settings: RegistrySettings,
  opts: { log?: Logger; env?: NodeJS.ProcessEnv } = {},
): ModelRegistry {
  const env = opts.env ?? process.env;
  const target = mlflowTarget({ uri: settings.trackingUri, token: settings.token }, env);
  const uc = settings.kind === 'unity-catalog';
  if (uc && !target)
    throw new MlopsInputError('registry.kind unity-catalog: set tracking.uri (databricks) or MLFLOW_TRACKING_URI');
  if (uc && !/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/.test(settings.name)) {
    throw new MlopsInputError(
      `registry.name "${settings.name}": Unity Catalog needs catalog.schema.model (letters, digits, _)`,
    );
  }
  if (target) {
    const client = mlflowClientFor(target, opts.log, env);
    return mlflowRegistry({
      client,
      name: settings.name,
      cacheDir: settings.cacheDir ?? join(settings.root, '.mlflow-cache'),
      unityCatalog: uc,
    });
  }
  if (isRemoteLake(settings.root)) {
    if (!settings.cacheDir) throw new MlopsInputError(`registry.root ${settings.root}: needs a local cache directory`);
    return remoteRegistry({ root: settings.root, name: settings.name, cacheDir: settings.cacheDir });
  }
  return localRegistry({ root: settings.root, name: settings.name });
}
