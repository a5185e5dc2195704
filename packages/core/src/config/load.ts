// Reads the YAML config: ${ENV_VAR} interpolation for secrets, then the zod schema. Every failure is
// one ConfigError naming the file and, for schema violations, the key path, what was expected and what
// was found; a value that came from ${...} or sits under a secret-like key is never echoed. ${ENV}
// yields text, so where the schema wants a number or a boolean the text is read as one. Relative paths
// in the config are resolved against the config file's own directory, so cron can run cvc from any
// working directory.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { isSecretKey } from '../log.js';
import { isRemoteLake, lakeTable, remoteLakeProblem } from './lake-location.js';
import { configSchema, type CvcConfig } from './schema.js';

export interface LoadedConfig {
  file: string;
  config: CvcConfig;
  /** Absolute paths derived from the config (data roots). */
  paths: {
    lake: string;
    tracking: string;
    registry: string;
    demoSource: string;
    data: string;
    /** Local directory for lake-side scratch (spill dirs, the daily lock): the lake itself when local. */
    lakeLocal?: string;
  };
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g;

/** Where ${...} put values: key path (dot-joined) -> the variables read there. */
export type EnvOrigins = Map<string, string[]>;

/** Replaces ${NAME} (or ${NAME:-default}) in every string of a parsed YAML tree, noting where in `origins`. */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  file: string,
  path: string[] = [],
  origins: EnvOrigins = new Map(),
): unknown {
  if (typeof value === 'string') {
    const names: string[] = [];
    const out = value.replace(ENV_REF, (_m, name: string, hasDefault?: string, fallback?: string) => {
      names.push(name);
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (hasDefault !== undefined) return fallback ?? '';
      throw new ConfigError(file, `${path.join('.') || '(root)'}: environment variable ${name} is not set`);
    });
    if (names.length) origins.set(path.join('.'), names);
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, file, [...path, String(i)], origins));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, file, [...path, k], origins);
    return out;
  }
  return value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function holdsSecretKey(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  return Object.entries(v).some(([k, x]) => isSecretKey(k) || holdsSecretKey(x));
}

/** Why the value at `path` must not be echoed (it came from ${...}, or is or holds a secret), if it must not. */
function hiddenBecause(root: unknown, path: readonly PropertyKey[], origins: EnvOrigins): string | undefined {
  const key = path.map(String).join('.');
  const vars = [...origins]
    .filter(([p]) => key === '' || p === key || p.startsWith(`${key}.`))
    .flatMap(([, names]) => names);
  if (vars.length) return `from ${[...new Set(vars)].map((n) => `\${${n}}`).join(', ')}`;
  if (path.some((k) => isSecretKey(String(k))) || holdsSecretKey(valueAt(root, path))) return 'a secret';
  return undefined;
}

function describeFound(root: unknown, path: readonly PropertyKey[], origins: EnvOrigins): string {
  const v = valueAt(root, path);
  if (v === undefined) return 'nothing';
  const hidden = hiddenBecause(root, path, origins);
  if (hidden) {
    const kind = Array.isArray(v) ? 'a list' : v === null ? 'null' : `a ${typeof v === 'object' ? 'map' : typeof v}`;
    return `${kind} (${hidden}, not shown)`;
  }
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function formatSchemaError(
  file: string,
  raw: unknown,
  error: z.ZodError,
  origins: EnvOrigins = new Map(),
): ConfigError {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const path = [...issue.path, issue.keys[0]!];
    const found = describeFound(raw, path, origins);
    return new ConfigError(file, `${path.map(String).join('.')}: expected no such key (a typo?), found ${found}`);
  }
  const key = issue.path.map(String).join('.') || '(root)';
  const expected = issue.message.replace(/^Invalid input: expected /, '');
  return new ConfigError(file, `${key}: expected ${expected}, found ${describeFound(raw, issue.path, origins)}`);
}

const NUMBER_TEXT = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Reads ${...} text as a number or boolean where the schema rejected it for wanting one; a text that is
 * not one is a ConfigError naming the key and the variable. Returns whether anything changed.
 */
function coerceEnvValues(file: string, tree: unknown, issues: z.ZodError['issues'], origins: EnvOrigins): boolean {
  let changed = false;
  for (const issue of issues) {
    if (issue.code !== 'invalid_type' || (issue.expected !== 'number' && issue.expected !== 'boolean')) continue;
    const key = issue.path.map(String).join('.');
    const names = origins.get(key);
    const parent = valueAt(tree, issue.path.slice(0, -1)) as Record<PropertyKey, unknown> | undefined;
    const last = issue.path[issue.path.length - 1];
    const text = parent && last !== undefined ? parent[last] : undefined;
    if (!names || typeof text !== 'string' || last === undefined) continue;
    const t = text.trim();
    const from = names.map((n) => `\${${n}}`).join(', ');
    if (issue.expected === 'number') {
      if (!NUMBER_TEXT.test(t)) {
        throw new ConfigError(file, `${key}: expected a number, found text from ${from} that is not one (not shown)`);
      }
      parent![last] = Number(t);
    } else {
      if (!/^(true|false)$/i.test(t)) {
        throw new ConfigError(file, `${key}: expected true or false, found other text from ${from} (not shown)`);
      }
      parent![last] = t.toLowerCase() === 'true';
    }
    changed = true;
  }
  return changed;
}

/** Validates an already-parsed config object (used by tests and by loadConfig). */
/** The schema to check against: core's, or one that checks more (@cvc/models' adds the model sections). */
export type ConfigSchema = z.ZodType<CvcConfig, unknown>;

export function parseConfig(
  raw: unknown,
  file = '<config>',
  env: NodeJS.ProcessEnv = process.env,
  schema: ConfigSchema = configSchema,
): CvcConfig {
  const origins: EnvOrigins = new Map();
  const interpolated = interpolateEnv(raw ?? {}, env, file, [], origins);
  // A coerced value can let zod look deeper and find another; a few rounds settle any config.
  for (let round = 0; ; round++) {
    const parsed = schema.safeParse(interpolated);
    if (parsed.success) return parsed.data;
    if (round >= 8 || !coerceEnvValues(file, interpolated, parsed.error.issues, origins)) {
      throw formatSchemaError(file, interpolated, parsed.error, origins);
    }
  }
}

export function loadConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  schema: ConfigSchema = configSchema,
): LoadedConfig {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      file,
      code === 'ENOENT' ? 'config file not found' : `cannot read config file (${code ?? String(err)})`,
    );
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : 'somewhere';
    throw new ConfigError(file, `invalid YAML at ${where}: ${e.message.split('\n')[0]}`);
  }
  const config = parseConfig(doc.toJS(), file, env, schema);
  const base = dirname(abs);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const remote = isRemoteLake(config.lake.root);
  const problem = remote ? remoteLakeProblem(config.lake.root) : undefined;
  if (problem) throw new ConfigError(file, `lake.root ${problem}`);
  const lake = remote ? config.lake.root.replace(/\/+$/, '') : at(config.lake.root);
  // A remote lake has no local parent: reports, checkpoints and spill files go to lake.localDir.
  const data = remote ? at(config.lake.localDir ?? '../data') : dirname(lake);
  // registry.root / tracking.root may be Azure URLs (they then live there, see @cvc/mlops). Left unset
  // beside an Azure lake, they go under it (_registry, _tracking), as locally they sit beside the lake.
  const given = doc.toJS() as { registry?: { root?: unknown }; tracking?: { root?: unknown } } | null;
  const placed = (key: 'registry' | 'tracking', root: string): string => {
    if (remote && given?.[key]?.root === undefined) return lakeTable(lake, `_${key}`);
    if (!isRemoteLake(root)) return at(root);
    const why = remoteLakeProblem(root);
    if (why) throw new ConfigError(file, `${key}.root ${why}`);
    return root.replace(/\/+$/, '');
  };
  return {
    file: abs,
    config,
    paths: {
      lake,
      tracking: placed('tracking', config.tracking.root),
      registry: placed('registry', config.registry.root),
      demoSource: at(config.source.duckdb.path),
      data,
      lakeLocal: remote ? resolve(data, 'lake-local') : lake,
    },
  };
}
