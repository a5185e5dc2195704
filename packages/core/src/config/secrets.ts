// The secret values a loaded config carries (under secret-like keys, in a URI's userinfo, in the
// tracking tokens of the environment), so logs and error lines can mask them by value.
import { isSecretKey, userinfoSecrets } from '../log.js';
import type { CvcConfig } from './schema.js';

function collect(value: unknown, underSecretKey: boolean, out: string[]): void {
  if (typeof value === 'string') {
    if (underSecretKey) out.push(value);
    out.push(...userinfoSecrets(value));
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, underSecretKey, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collect(v, underSecretKey || isSecretKey(k), out);
  }
}

/** Tracking tokens and passwords cvc reads from the environment (known before any config loads). */
export function envSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  const fromEnv = {
    MLFLOW_TRACKING_TOKEN: env['MLFLOW_TRACKING_TOKEN'],
    MLFLOW_TRACKING_PASSWORD: env['MLFLOW_TRACKING_PASSWORD'],
    DATABRICKS_TOKEN: env['DATABRICKS_TOKEN'],
    MLFLOW_TRACKING_URI: env['MLFLOW_TRACKING_URI'],
  };
  collect(fromEnv, false, out);
  // Azure storage credentials (lake.root on Azure): whole values, and the key inside a connection string.
  const azure = [
    'AZURE_STORAGE_CONNECTION_STRING',
    'AZURE_STORAGE_ACCOUNT_KEY',
    'AZURE_STORAGE_SAS_TOKEN',
    'AZURE_CLIENT_SECRET',
    // App Service's managed-identity header: whoever holds it can ask the local endpoint for tokens.
    'IDENTITY_HEADER',
  ];
  for (const name of azure) {
    const v = env[name];
    if (!v) continue;
    out.push(v);
    for (const m of v.matchAll(/(?:AccountKey|SharedAccessSignature|sig)=([^;&]+)/gi)) out.push(m[1]!);
  }
  return [...new Set(out.filter((s) => s.length > 0))];
}

export function configSecrets(config: CvcConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  collect(config, false, out);
  // A webhook URL is itself the credential (its token sits in the path or query).
  collect(config.alerts.webhook, true, out);
  return [...new Set([...out, ...envSecrets(env)].filter((s) => s.length > 0))];
}
