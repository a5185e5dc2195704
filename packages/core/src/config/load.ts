// Reads the YAML config: ${ENV_VAR} interpolation for secrets, then the zod schema. Every failure is
// one ConfigError naming the file and, for schema violations, the key path, what was expected and what
// was found. Relative paths in the config are resolved against the config file's own directory, so cron
// can run cvc from any working directory.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type CvcConfig } from './schema.js';

export interface LoadedConfig {
  file: string;
  config: CvcConfig;
  /** Absolute paths derived from the config (data roots). */
  paths: { lake: string; tracking: string; registry: string; demoSource: string; data: string };
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g;

/** Replaces ${NAME} (or ${NAME:-default}) in every string of a parsed YAML tree. */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, file: string, path: string[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_m, name: string, hasDefault: string | undefined, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (hasDefault !== undefined) return fallback ?? '';
      throw new ConfigError(file, `${path.join('.') || '(root)'}: environment variable ${name} is not set`);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, file, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, file, [...path, k]);
    return out;
  }
  return value;
}

function describeFound(root: unknown, path: readonly PropertyKey[]): string {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return 'nothing';
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function formatSchemaError(file: string, raw: unknown, error: z.ZodError): ConfigError {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const path = [...issue.path, issue.keys[0]!];
    return new ConfigError(file, `${path.map(String).join('.')}: expected no such key (a typo?), found ${describeFound(raw, path)}`);
  }
  const key = issue.path.map(String).join('.') || '(root)';
  return new ConfigError(file, `${key}: expected ${issue.message.replace(/^Invalid input: expected /, '')}, found ${describeFound(raw, issue.path)}`);
}

/** Validates an already-parsed config object (used by tests and by loadConfig). */
export function parseConfig(raw: unknown, file = '<config>', env: NodeJS.ProcessEnv = process.env): CvcConfig {
  const interpolated = interpolateEnv(raw ?? {}, env, file);
  const parsed = configSchema.safeParse(interpolated);
  if (!parsed.success) throw formatSchemaError(file, interpolated, parsed.error);
  return parsed.data;
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(file, code === 'ENOENT' ? 'config file not found' : `cannot read config file (${code ?? String(err)})`);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : 'somewhere';
    throw new ConfigError(file, `invalid YAML at ${where}: ${e.message.split('\n')[0]}`);
  }
  const config = parseConfig(doc.toJS(), file, env);
  const base = dirname(abs);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const lake = at(config.lake.root);
  return {
    file: abs,
    config,
    paths: {
      lake,
      tracking: at(config.tracking.root),
      registry: at(config.registry.root),
      demoSource: at(config.source.duckdb.path),
      data: dirname(lake),
    },
  };
}
