// The local model registry: <root>/<name>/<version>/bundle/ (a verified copy of the bundle) with
// version.json beside it, and registry.json for aliases. Numbers are taken and aliases moved under
// one lock file, so concurrent trains get distinct versions and no alias change is lost.
import { randomUUID } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { MlopsInputError, NO_VERSION_HINT, UnknownAliasError } from '../../errors.js';
import { readManifest, verifyBundle } from '../../bundle/read.js';
import { routeCounts } from '../../bundle/routing.js';
import { decidePromotion, isValidAlias } from '../promotion.js';
import type {
  ModelRegistry,
  ModelVersionInfo,
  RegisterOptions,
  RegisterResult,
  ResolvedVersion,
  VersionRoutes,
} from '../registry.js';
import { withLock, type LockOptions } from './lock.js';
import { LOCK_FILE, readState, writeState, STATE_FILE, type RegistryState } from './state.js';

export interface LocalRegistryOptions {
  root: string;
  name: string;
  lock?: LockOptions;
}

export const versionFileSchema = z
  .object({
    name: z.string(),
    version: z.number().int().positive(),
    createdAt: z.string(),
    bundleId: z.string(),
    wape: z.number().nullable(),
    runId: z.string().nullable(),
    description: z.string().nullable(),
  })
  .strict();
type VersionFile = z.infer<typeof versionFileSchema>;

const modelDir = (o: LocalRegistryOptions) => join(resolve(o.root), o.name);
const versionDir = (o: LocalRegistryOptions, v: number) => join(modelDir(o), String(v));
const stateFile = (o: LocalRegistryOptions) => join(modelDir(o), STATE_FILE);

function checkName(o: LocalRegistryOptions): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(o.name) || o.name === '.' || o.name === '..')
    throw new MlopsInputError(`registry name "${o.name}": letters, digits, _ . - only`);
}

async function versionNumbers(o: LocalRegistryOptions): Promise<number[]> {
  try {
    return (await readdir(modelDir(o), { withFileTypes: true }))
      .filter((e) => e.isDirectory() && /^[1-9]\d*$/.test(e.name))
      .map((e) => Number(e.name))
      .sort((a, b) => a - b);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function readVersionFile(o: LocalRegistryOptions, v: number): Promise<VersionFile | undefined> {
  const file = join(versionDir(o, v), 'version.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MlopsInputError(`${file}: not valid JSON`);
  }
  const parsed = versionFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new MlopsInputError(`${file}: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

/** The routing summary from the version's bundle manifest; null when it cannot be read. */
async function routesOf(o: LocalRegistryOptions, v: number): Promise<VersionRoutes | null> {
  try {
    return routeCounts((await readManifest(join(versionDir(o, v), 'bundle'))).routing);
  } catch {
    return null;
  }
}

function info(
  o: LocalRegistryOptions,
  f: VersionFile,
  state: RegistryState,
  routes: VersionRoutes | null,
): ModelVersionInfo {
  return {
    routes,
    name: f.name,
    version: f.version,
    createdAt: f.createdAt,
    bundleId: f.bundleId,
    wape: f.wape,
    runId: f.runId,
    description: f.description,
    aliases: Object.entries(state.aliases)
      .filter(([, v]) => v === f.version)
      .map(([a]) => a)
      .sort(),
    source: join(versionDir(o, f.version), 'bundle'),
  };
}

/** Moves `alias` to `version` in `state`, remembering the previous holder for rollback. */
export function moveAlias(state: RegistryState, alias: string, version: number, reason?: string): void {
  const from = state.aliases[alias];
  if (from === version) return;
  if (from !== undefined) (state.previous[alias] ??= []).push(from);
  state.aliases[alias] = version;
  state.events.push({
    at: new Date().toISOString(),
    action: 'set-alias',
    alias,
    version,
    from: from ?? null,
    ...(reason ? { reason } : {}),
  });
}

const locked = <T>(o: LocalRegistryOptions, fn: () => Promise<T>) => withLock(join(modelDir(o), LOCK_FILE), fn, o.lock);

/** Alias changes need a registry that exists: say so (exit 2) rather than fail on its missing lock dir. */
async function requireRegistry(o: LocalRegistryOptions): Promise<void> {
  const dir = modelDir(o);
  const isDir = await stat(dir).then(
    (st) => st.isDirectory(),
    () => false,
  );
  if (!isDir) {
    const what = `no registry "${o.name}" here yet; run \`cvc train\` to register a first version`;
    throw new MlopsInputError(`${dir}: ${what}`);
  }
}

/** Copies a verified bundle into the registry as the next version, then applies the promotion rule. */
export async function registerVersion(
  o: LocalRegistryOptions,
  bundleDir: string,
  opts: RegisterOptions = {},
): Promise<RegisterResult> {
  checkName(o);
  const manifest = await verifyBundle(bundleDir);
  const alias = opts.alias ?? 'champion';
  if (!isValidAlias(alias))
    throw new MlopsInputError(`alias "${alias}": letters, digits, _ and -, starting with a letter`);
  await mkdir(modelDir(o), { recursive: true });
  // The copy happens outside the lock (it can be large); only numbering and aliases are serialised.
  const staging = join(modelDir(o), `.staging-${randomUUID()}`);
  try {
    await cp(resolve(bundleDir), join(staging, 'bundle'), { recursive: true });
    await verifyBundle(join(staging, 'bundle'));
    return await locked(o, async () => {
      const numbers = await versionNumbers(o);
      const version = (numbers.at(-1) ?? 0) + 1;
      const file: VersionFile = {
        name: o.name,
        version,
        createdAt: new Date().toISOString(),
        bundleId: manifest.bundleId,
        wape: manifest.backtest.wape,
        runId: opts.runId ?? manifest.lineage.trackingRunId ?? null,
        description: opts.description ?? null,
      };
      await writeFile(join(staging, 'version.json'), `${JSON.stringify(file, null, 2)}\n`);
      await rename(staging, versionDir(o, version));
      const state = await readState(modelDir(o));
      state.events.push({ at: file.createdAt, action: 'register', version });
      const championVersion = state.aliases[alias];
      const champion = championVersion === undefined ? undefined : await readVersionFile(o, championVersion);
      const decision = decidePromotion(
        opts.promote ?? 'manual',
        file.wape,
        champion && { version: champion.version, wape: champion.wape },
      );
      if (decision.promote) moveAlias(state, alias, version, decision.reason);
      await writeState(modelDir(o), state);
      return {
        version,
        promoted: decision.promote,
        reason: decision.reason,
        info: info(o, file, state, routeCounts(manifest.routing)),
      };
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export async function listVersions(o: LocalRegistryOptions): Promise<ModelVersionInfo[]> {
  checkName(o);
  const state = await readState(modelDir(o));
  const out: ModelVersionInfo[] = [];
  for (const v of await versionNumbers(o)) {
    const f = await readVersionFile(o, v);
    if (f) out.push(info(o, f, state, await routesOf(o, v)));
  }
  return out;
}

/** A version number, "latest" or an alias -> version number, or UnknownAliasError. */
async function versionOf(o: LocalRegistryOptions, ref: number | string, state: RegistryState): Promise<number> {
  const text = String(ref).trim();
  const numbers = await versionNumbers(o);
  if (/^\d+$/.test(text)) {
    const v = Number(text);
    if (!numbers.includes(v))
      throw new UnknownAliasError(
        stateFile(o),
        text,
        `version ${text} does not exist (versions: ${numbers.join(', ') || 'none'}); ` +
          `${numbers.length ? 'see `cvc models list`' : NO_VERSION_HINT}`,
      );
    return v;
  }
  if (text === 'latest') {
    if (numbers.length === 0)
      throw new UnknownAliasError(stateFile(o), text, `no versions registered yet; ${NO_VERSION_HINT}`);
    return numbers.at(-1)!;
  }
  const v = state.aliases[text];
  if (v === undefined) {
    const known = Object.keys(state.aliases).sort().join(', ') || 'none';
    throw new UnknownAliasError(
      stateFile(o),
      text,
      `unknown alias "${text}" (aliases: ${known}); ` +
        `${numbers.length ? 'see `cvc models list`, and `cvc models promote <version>` to set it' : NO_VERSION_HINT}`,
    );
  }
  return v;
}

export async function showVersion(o: LocalRegistryOptions, ref: number | string): Promise<ModelVersionInfo> {
  checkName(o);
  const state = await readState(modelDir(o));
  const v = await versionOf(o, ref, state);
  const f = await readVersionFile(o, v);
  if (!f) throw new UnknownAliasError(stateFile(o), String(ref), `version ${v} has no version.json (incomplete copy?)`);
  return info(o, f, state, await routesOf(o, v));
}

export async function setAlias(
  o: LocalRegistryOptions,
  alias: string,
  version: number,
  reason = 'set by user',
): Promise<void> {
  checkName(o);
  if (!isValidAlias(alias))
    throw new MlopsInputError(`alias "${alias}": letters, digits, _ and -, starting with a letter`);
  await requireRegistry(o);
  await locked(o, async () => {
    const state = await readState(modelDir(o));
    const v = await versionOf(o, version, state);
    moveAlias(state, alias, v, reason);
    await writeState(modelDir(o), state);
  });
}

export const promote = (o: LocalRegistryOptions, version: number, alias = 'champion') =>
  setAlias(o, alias, version, 'promoted by user');

/** Points `alias` back at its previous version (the one before the last promotion). */
export async function rollback(o: LocalRegistryOptions, alias = 'champion'): Promise<{ from: number; to: number }> {
  checkName(o);
  await requireRegistry(o);
  return locked(o, async () => {
    const state = await readState(modelDir(o));
    const from = state.aliases[alias];
    if (from === undefined)
      throw new UnknownAliasError(stateFile(o), alias, `unknown alias "${alias}": nothing to roll back`);
    const to = state.previous[alias]?.pop();
    if (to === undefined)
      throw new UnknownAliasError(stateFile(o), alias, `alias "${alias}" has no previous version to roll back to`);
    state.aliases[alias] = to;
    state.events.push({ at: new Date().toISOString(), action: 'rollback', alias, version: to, from });
    await writeState(modelDir(o), state);
    return { from, to };
  });
}

/** The bundle directory for an alias or version, verified against its manifest. */
export async function resolveVersion(o: LocalRegistryOptions, ref: number | string): Promise<ResolvedVersion> {
  const i = await showVersion(o, ref);
  await verifyBundle(i.source);
  return { version: i.version, bundleDir: i.source, info: i };
}

export function localRegistry(o: LocalRegistryOptions): ModelRegistry {
  return {
    backend: 'local',
    name: o.name,
    register: (dir, opts) => registerVersion(o, dir, opts),
    list: () => listVersions(o),
    show: (ref) => showVersion(o, ref),
    setAlias: (alias, version) => setAlias(o, alias, version),
    promote: (version, alias) => promote(o, version, alias),
    rollback: (alias) => rollback(o, alias),
    resolve: (ref) => resolveVersion(o, ref),
  };
}
