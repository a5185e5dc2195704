// Chooses the tracking backend: MLflow when tracking.uri or MLFLOW_TRACKING_URI is set, local Delta
// tables otherwise. The token comes from config or DATABRICKS_TOKEN / MLFLOW_TRACKING_TOKEN and is
// only ever put in the Authorization header.
import { maskUserinfo, type Logger } from '@cvc/core';
import { MlopsInputError } from '../errors.js';
import { createMlflowClient, type MlflowClient } from './mlflow/client.js';
import { createMlflowTracker } from './mlflow/tracker.js';
import { createLocalTracker } from './local/tracker.js';
import type { Tracker } from './tracker.js';

export interface TrackingSettings {
  /** config.tracking.uri (null = not set). */
  uri: string | null;
  experiment: string;
  token?: string;
  /** Absolute local tracking root (LoadedConfig.paths.tracking). */
  root: string;
}

export interface MlflowTarget {
  uri: string;
  token?: string;
}

/** The MLflow server to use, or undefined for local tracking. */
export function mlflowTarget(
  settings: Pick<TrackingSettings, 'uri' | 'token'>,
  env: NodeJS.ProcessEnv = process.env,
): MlflowTarget | undefined {
  const uri = settings.uri || env.MLFLOW_TRACKING_URI || undefined;
  if (!uri) return undefined;
  const token = settings.token || env.DATABRICKS_TOKEN || env.MLFLOW_TRACKING_TOKEN || undefined;
  return token ? { uri, token } : { uri };
}

/**
 * Test seam: CVC_MLFLOW_RETRY_BASE_MS sets the first retry backoff (default 500 ms, doubled each retry),
 * so the CLI tests of an unreachable server make every attempt without sleeping 15 s.
 */
function retryBaseMs(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.CVC_MLFLOW_RETRY_BASE_MS;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,6}$/.test(raw))
    throw new MlopsInputError(`CVC_MLFLOW_RETRY_BASE_MS: expected a whole number of milliseconds, got "${raw}"`);
  return Number(raw);
}

export function mlflowClientFor(
  target: MlflowTarget,
  log?: Logger,
  env: NodeJS.ProcessEnv = process.env,
): MlflowClient {
  return createMlflowClient({
    uri: target.uri,
    token: target.token,
    env,
    retryBaseMs: retryBaseMs(env),
    warn: log ? (msg, fields) => log.warn(fields ?? {}, msg) : undefined,
  });
}

export async function openTracker(
  settings: TrackingSettings,
  opts: { log?: Logger; env?: NodeJS.ProcessEnv } = {},
): Promise<Tracker> {
  const env = opts.env ?? process.env;
  const target = mlflowTarget(settings, env);
  if (target) {
    const uri = maskUserinfo(target.uri);
    const auth = target.token ? 'bearer' : 'none';
    opts.log?.info({ tracking: 'mlflow', uri, experiment: settings.experiment, auth }, 'tracking to MLflow');
    return createMlflowTracker(mlflowClientFor(target, opts.log, env), settings.experiment);
  }
  opts.log?.info(
    { tracking: 'local', root: settings.root, experiment: settings.experiment },
    'tracking to local Delta tables',
  );
  return createLocalTracker(settings.root, settings.experiment);
}
