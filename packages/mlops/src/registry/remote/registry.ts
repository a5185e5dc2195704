// The model registry on an object store (registry.root: abfss://, az://, https://...blob...), through the
// lakehouse Storage layer. Blob storage has no rename and no lock file, so every change is a
// create-if-absent put (If-None-Match: *), as Delta commits are:
//   <name>/bundles/<id>/...      the bundle's files, uploaded before any number is claimed
//   <name>/versions/<v>.json     claims version v (the first writer wins; a loser tries v + 1)
//   <name>/state/<seq>.json      registry.json's content after change <seq>; a writer that read <seq> - 1
//                                and finds <seq> taken is stale: it re-reads and re-applies its change.
//                                Every 50th change removes the states more than 10 behind (compaction).
//   <name>/bundle-fates/<id>.json  "claimed" (a registration is about to claim a version for bundles/<id>)
//                                or "collected" (gc removes the folder): whoever creates it first decides.
// resolve() downloads a version's bundle into a local cache directory, so infer loads a local bundle.
// collectGarbage() removes bundle folders no version claims (an upload that crashed), never a claimed one.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { storageFor, type Storage } from '@cvc/lakehouse';
import { MlopsInputError, NO_VERSION_HINT, RegistryConflictError, UnknownAliasError } from '../../errors.js';
import { verifyBundle } from '../../bundle/read.js';
import { filesBelow } from '../../files.js';
import { routeCounts } from '../../bundle/routing.js';
import { decidePromotion, isValidAlias } from '../promotion.js';
import type {
  GarbageReport,
  ModelRegistry,
  ModelVersionInfo,
  RegisterOptions,
  RegisterResult,
  ResolvedVersion,
} from '../registry.js';
import { emptyState, registryStateSchema, type RegistryState } from '../local/state.js';
import { moveAlias, versionFileSchema as localVersionFileSchema } from '../local/registry.js';

export interface RemoteRegistryOptions {
  /** The registry root URL (no query string: credentials come from the environment). */
  root: string;
  name: string;
  /** Local directory the bundles are downloaded to for infer. */
  cacheDir: string;
  /** Tests pass a storage; otherwise storageFor(root). */
  storage?: Storage;
}

// A local version record plus where its bundle lives and the routes a listing shows without a download.
const versionFileSchema = localVersionFileSchema
  .extend({
    /** The bundle's folder under <name>/ (bundles/<id>). */
    bundle: z.string().regex(/^bundles\/[0-9a-f-]{36}$/),
    routes: z.object({ stores: z.record(z.string(), z.number()), fallback: z.string() }).nullable(),
  })
  .strict();
type VersionFile = z.infer<typeof versionFileSchema>;

/** Concurrent writers retry this often before giving up (each try costs one lost race). */
const MAX_TRIES = 200;
/** A state remembers the ids of this many last commits (see commitState). */
const COMMITS_KEPT = 200;
/** Every COMPACT_EVERY-th state commit removes the state files more than KEEP_STATES behind it. */
const COMPACT_EVERY = 50;
const KEEP_STATES = 10;
/**
 * A registration claims a version within this long of claiming its bundle, or gives up; gc leaves a
 * claimed bundle without a version alone for twice as long (and at least its grace period).
 */
export const CLAIM_WINDOW_MS = 10 * 60_000;
/** Uploads of one registration when gc collected the earlier ones (each seen idle past the grace period). */
const MAX_UPLOADS = 5;

const fateSchema = z.object({ fate: z.enum(['claimed', 'collected']), at: z.string() }).strict();
type Fate = z.infer<typeof fateSchema>;

interface Ctx {
  o: RemoteRegistryOptions;
  store: Storage;
}

function open(o: RemoteRegistryOptions): Ctx {
  if (!/^[A-Za-z0-9_.-]+$/.test(o.name) || o.name === '.' || o.name === '..')
    throw new MlopsInputError(`registry name "${o.name}": letters, digits, _ . - only`);
  return { o, store: o.storage ?? storageFor(o.root) };
}

const where = (c: Ctx, rel = '') => `${c.o.root.replace(/\/+$/, '')}/${c.o.name}${rel ? `/${rel}` : ''}`;
const stateName = (seq: number) => `${String(seq).padStart(12, '0')}.json`;

/** The folder a file goes in must exist on local storage (a no-op on blob storage). */
async function parentOf(c: Ctx, rel: string): Promise<void> {
  await c.store.mkdirs('');
  await c.store.mkdirs(rel.slice(0, rel.lastIndexOf('/')));
}

function parseJson<T>(c: Ctx, rel: string, text: Buffer, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text.toString('utf8'));
  } catch {
    throw new MlopsInputError(`${where(c, rel)}: not valid JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MlopsInputError(`${where(c, rel)}: ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

async function versionNumbers(c: Ctx): Promise<number[]> {
  return (await c.store.listNames(`${c.o.name}/versions`))
    .map((n) => /^([1-9]\d*)\.json$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

async function readVersionFile(c: Ctx, v: number): Promise<VersionFile | undefined> {
  const rel = `versions/${v}.json`;
  const buf = await c.store.readIfExists(`${c.o.name}/${rel}`);
  return buf && parseJson(c, rel, buf, versionFileSchema);
}

/** The latest registry state and its sequence number (0 = nothing committed yet). */
export async function readRemoteState(o: RemoteRegistryOptions): Promise<{ seq: number; state: RegistryState }> {
  return latestState(open(o));
}

async function stateSeqs(c: Ctx): Promise<number[]> {
  return (await c.store.listNames(`${c.o.name}/state`))
    .map((n) => /^(\d{12})\.json$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}

async function latestState(c: Ctx): Promise<{ seq: number; state: RegistryState }> {
  for (let i = 0; ; i++) {
    const seqs = await stateSeqs(c);
    if (seqs.length === 0) return { seq: 0, state: emptyState() };
    const seq = Math.max(...seqs);
    const rel = `state/${stateName(seq)}`;
    const buf = await c.store.readIfExists(`${c.o.name}/${rel}`);
    if (buf) return { seq, state: parseJson(c, rel, buf, registryStateSchema) };
    // Compacted away after the listing: newer states exist, so list again.
    if (i >= MAX_TRIES) throw new RegistryConflictError(`${where(c, rel)}: removed under every read`);
  }
}

/**
 * Writes `state` as the change after `basedOn`; RegistryConflictError when another writer already made
 * that change (the caller's state is stale: re-read, re-apply, commit again).
 */
export async function commitRemoteState(o: RemoteRegistryOptions, basedOn: number, state: RegistryState) {
  await commitState(open(o), basedOn, state);
}

async function commitState(c: Ctx, basedOn: number, state: RegistryState): Promise<void> {
  const rel = `state/${stateName(basedOn + 1)}`;
  const id = randomUUID();
  const next = { ...state, commits: [...(state.commits ?? []), id].slice(-COMMITS_KEPT) };
  const body = `${JSON.stringify(registryStateSchema.parse(next), null, 2)}\n`;
  const stale = () =>
    new RegistryConflictError(
      `${where(c, rel)}: another writer changed the registry after state ${basedOn} was read; re-read and retry`,
    );
  await parentOf(c, `${c.o.name}/${rel}`);
  if (!(await c.store.putIfAbsent(`${c.o.name}/${rel}`, body))) throw stale();
  // A compaction may have removed <seq> after another writer made it, so a stale writer can create it
  // again. Compaction always keeps the newest state, so such a file is never the newest one, and every
  // state built on a real commit carries its id. A file the newest state does not know is stale: it is
  // removed (no reader takes it: they read the newest) and the writer re-reads, as after a lost put.
  if (Math.max(...(await stateSeqs(c))) > basedOn + 1) {
    const { state: newest } = await latestState(c);
    if (!(newest.commits ?? []).includes(id)) {
      await c.store.delete(`${c.o.name}/${rel}`);
      throw stale();
    }
  }
  if ((basedOn + 1) % COMPACT_EVERY === 0) await compactStates(c, KEEP_STATES);
}

/** Removes the state files more than `keep` behind the newest (which holds the whole event log). */
export async function compactRemoteState(o: RemoteRegistryOptions, keep = KEEP_STATES): Promise<number> {
  return compactStates(open(o), keep);
}

async function compactStates(c: Ctx, keep: number): Promise<number> {
  const seqs = await stateSeqs(c);
  if (seqs.length === 0) return 0;
  const floor = Math.max(...seqs) - Math.max(0, keep);
  const old = seqs.filter((s) => s < floor);
  for (const s of old) await c.store.delete(`${c.o.name}/state/${stateName(s)}`);
  return old.length;
}

/** Applies `change` to the latest state and commits it, re-reading and re-applying after a lost race. */
async function changeState<T>(c: Ctx, change: (state: RegistryState) => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    const { seq, state } = await latestState(c);
    const out = await change(state);
    try {
      await commitState(c, seq, state);
      return out;
    } catch (e) {
      if (!(e instanceof RegistryConflictError) || i + 1 >= MAX_TRIES) throw e;
    }
  }
}

function info(c: Ctx, f: VersionFile, state: RegistryState): ModelVersionInfo {
  return {
    name: f.name,
    version: f.version,
    createdAt: f.createdAt,
    bundleId: f.bundleId,
    wape: f.wape,
    routes: f.routes,
    runId: f.runId,
    description: f.description,
    aliases: Object.entries(state.aliases)
      .filter(([, v]) => v === f.version)
      .map(([a]) => a)
      .sort(),
    source: where(c, f.bundle),
  };
}

const fateRel = (c: Ctx, id: string) => `${c.o.name}/bundle-fates/${id}.json`;

/** Creates the bundle's fate file if it has none; false when another writer decided its fate first. */
async function putFate(c: Ctx, id: string, fate: Fate): Promise<boolean> {
  await parentOf(c, fateRel(c, id));
  return c.store.putIfAbsent(fateRel(c, id), `${JSON.stringify(fate)}\n`);
}

async function readFate(c: Ctx, id: string): Promise<Fate | undefined> {
  const buf = await c.store.readIfExists(fateRel(c, id));
  return buf && parseJson(c, `bundle-fates/${id}.json`, buf, fateSchema);
}

/** The bundle folders the version files name. */
async function claimedBundles(c: Ctx): Promise<Set<string>> {
  const out = new Set<string>();
  for (const v of await versionNumbers(c)) {
    const f = await readVersionFile(c, v);
    if (f) out.add(f.bundle.slice('bundles/'.length));
  }
  return out;
}

/**
 * Removes bundle folders no version claims (a registration that crashed before its version claim) once
 * their newest file is older than `graceMs`; never a claimed one. An unclaimed folder is collected only
 * after gc creates its fate file ("collected"): a registration creates the same file ("claimed") before
 * it claims a version, so exactly one of them decides. A folder a registration claimed but no version
 * names (it crashed between the two, or is still claiming) is left for max(grace, 2 x CLAIM_WINDOW_MS):
 * a registration gives up claiming after CLAIM_WINDOW_MS. Also compacts the alias log.
 */
async function collectGarbage(c: Ctx, graceMs: number): Promise<GarbageReport> {
  const now = Date.now();
  const files = await c.store.listRecursive(`${c.o.name}/bundles`);
  const folders = new Map<string, { paths: string[]; newest: number }>();
  for (const f of files) {
    const id = f.path.slice(`${c.o.name}/bundles/`.length).split('/')[0]!;
    const entry = folders.get(id) ?? { paths: [], newest: 0 };
    entry.paths.push(f.path);
    entry.newest = Math.max(entry.newest, f.modifiedMs);
    folders.set(id, entry);
  }
  const claimed = await claimedBundles(c);
  const report: GarbageReport = { collected: [], young: [], statesCompacted: 0 };
  for (const [id, folder] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
    if (claimed.has(id)) continue;
    let fate = await readFate(c, id);
    if (fate === undefined) {
      if (now - folder.newest < graceMs) {
        report.young.push(id);
        continue;
      }
      const mine: Fate = { fate: 'collected', at: new Date(now).toISOString() };
      fate = (await putFate(c, id, mine)) ? mine : await readFate(c, id);
    }
    if (fate?.fate !== 'collected') {
      // Claimed: by a registration still claiming a version, or one that crashed before it did. A version
      // may have been claimed since the listing above: look again right before removing.
      const idle = fate ? now - Date.parse(fate.at) : 0;
      if (idle < Math.max(graceMs, 2 * CLAIM_WINDOW_MS)) {
        report.young.push(id);
        continue;
      }
      if ((await claimedBundles(c)).has(id)) continue;
    }
    for (const p of folder.paths) await c.store.delete(p);
    report.collected.push(id);
  }
  report.statesCompacted = await compactStates(c, KEEP_STATES);
  return report;
}

async function registerVersion(c: Ctx, bundleDir: string, opts: RegisterOptions): Promise<RegisterResult> {
  const manifest = await verifyBundle(bundleDir);
  const alias = opts.alias ?? 'champion';
  if (!isValidAlias(alias))
    throw new MlopsInputError(`alias "${alias}": letters, digits, _ and -, starting with a letter`);
  // The upload comes first, under a fresh id: a claimed version always has its whole bundle. Its fate
  // file then claims it against gc; if gc got there first (the upload sat idle past the grace period),
  // the folder is being removed and the bundle goes up again under a new id.
  let bundle = '';
  let claimedAt = 0;
  for (let i = 0; bundle === ''; i++) {
    if (i >= MAX_UPLOADS)
      throw new RegistryConflictError(`${where(c, 'bundles')}: gc collected each of ${i} uploads; run again`);
    const id = randomUUID();
    for (const rel of await filesBelow(bundleDir)) {
      await parentOf(c, `${c.o.name}/bundles/${id}/${rel}`);
      await c.store.put(`${c.o.name}/bundles/${id}/${rel}`, await readFile(join(bundleDir, ...rel.split('/'))));
    }
    claimedAt = Date.now();
    if (await putFate(c, id, { fate: 'claimed', at: new Date(claimedAt).toISOString() })) bundle = `bundles/${id}`;
  }
  let file: VersionFile | undefined;
  for (let i = 0; !file; i++) {
    if (i >= MAX_TRIES) throw new RegistryConflictError(`${where(c, 'versions')}: no version number won in ${i} tries`);
    // Past the window gc may take the claimed bundle for a crashed registration's: claim nothing.
    if (Date.now() - claimedAt > CLAIM_WINDOW_MS)
      throw new RegistryConflictError(
        `${where(c, bundle)}: no version claimed within ${CLAIM_WINDOW_MS / 60_000} min of the upload; run again`,
      );
    const version = ((await versionNumbers(c)).at(-1) ?? 0) + 1;
    const candidate: VersionFile = {
      name: c.o.name,
      version,
      createdAt: new Date().toISOString(),
      bundleId: manifest.bundleId,
      wape: manifest.backtest.wape,
      runId: opts.runId ?? manifest.lineage.trackingRunId ?? null,
      description: opts.description ?? null,
      bundle,
      routes: routeCounts(manifest.routing),
    };
    const body = `${JSON.stringify(candidate, null, 2)}\n`;
    await parentOf(c, `${c.o.name}/versions/${version}.json`);
    if (await c.store.putIfAbsent(`${c.o.name}/versions/${version}.json`, body)) file = candidate;
  }
  const won = file;
  return changeState(c, async (state) => {
    state.events.push({ at: won.createdAt, action: 'register', version: won.version });
    const championVersion = state.aliases[alias];
    const champion = championVersion === undefined ? undefined : await readVersionFile(c, championVersion);
    const decision = decidePromotion(
      opts.promote ?? 'manual',
      won.wape,
      champion && { version: champion.version, wape: champion.wape },
    );
    if (decision.promote) moveAlias(state, alias, won.version, decision.reason);
    return { version: won.version, promoted: decision.promote, reason: decision.reason, info: info(c, won, state) };
  });
}

async function versionOf(c: Ctx, ref: number | string, state: RegistryState): Promise<number> {
  const text = String(ref).trim();
  const numbers = await versionNumbers(c);
  const file = where(c, 'state');
  if (/^\d+$/.test(text)) {
    const v = Number(text);
    if (!numbers.includes(v))
      throw new UnknownAliasError(
        file,
        text,
        `version ${text} does not exist (versions: ${numbers.join(', ') || 'none'}); ` +
          `${numbers.length ? 'see `cvc models list`' : NO_VERSION_HINT}`,
      );
    return v;
  }
  if (text === 'latest') {
    if (numbers.length === 0) throw new UnknownAliasError(file, text, `no versions registered yet; ${NO_VERSION_HINT}`);
    return numbers.at(-1)!;
  }
  const v = state.aliases[text];
  if (v === undefined) {
    const known = Object.keys(state.aliases).sort().join(', ') || 'none';
    throw new UnknownAliasError(
      file,
      text,
      `unknown alias "${text}" (aliases: ${known}); ` +
        `${numbers.length ? 'see `cvc models list`, and `cvc models promote <version>` to set it' : NO_VERSION_HINT}`,
    );
  }
  return v;
}

async function showVersion(c: Ctx, ref: number | string, state?: RegistryState): Promise<VersionFile> {
  const s = state ?? (await latestState(c)).state;
  const v = await versionOf(c, ref, s);
  const f = await readVersionFile(c, v);
  if (!f) throw new UnknownAliasError(where(c, 'versions'), String(ref), `version ${v} has no version file`);
  return f;
}

async function setAlias(c: Ctx, alias: string, version: number, reason = 'set by user'): Promise<void> {
  if (!isValidAlias(alias))
    throw new MlopsInputError(`alias "${alias}": letters, digits, _ and -, starting with a letter`);
  if ((await versionNumbers(c)).length === 0) {
    const what = `no registry "${c.o.name}" here yet; run \`cvc train\` to register a first version`;
    throw new MlopsInputError(`${where(c)}: ${what}`);
  }
  await changeState(c, async (state) => moveAlias(state, alias, await versionOf(c, version, state), reason));
}

async function rollback(c: Ctx, alias = 'champion'): Promise<{ from: number; to: number }> {
  const file = where(c, 'state');
  return changeState(c, async (state) => {
    const from = state.aliases[alias];
    if (from === undefined) throw new UnknownAliasError(file, alias, `unknown alias "${alias}": nothing to roll back`);
    const to = state.previous[alias]?.pop();
    if (to === undefined)
      throw new UnknownAliasError(file, alias, `alias "${alias}" has no previous version to roll back to`);
    state.aliases[alias] = to;
    state.events.push({ at: new Date().toISOString(), action: 'rollback', alias, version: to, from });
    return { from, to };
  });
}

/** Downloads the version's bundle into the cache (once per bundle upload), verified against its manifest. */
async function resolveVersion(c: Ctx, ref: number | string): Promise<ResolvedVersion> {
  const { state } = await latestState(c);
  const f = await showVersion(c, ref, state);
  const dir = join(c.o.cacheDir, c.o.name, `${f.version}-${f.bundle.slice('bundles/'.length)}`, 'bundle');
  const cached = await verifyBundle(dir).then(
    () => true,
    () => false,
  );
  if (!cached) {
    const tmp = join(dirname(dir), `.download-${randomUUID()}`);
    try {
      const prefix = `${c.o.name}/${f.bundle}/`;
      const files = await c.store.listRecursive(`${c.o.name}/${f.bundle}`);
      if (files.length === 0) throw new UnknownAliasError(where(c, f.bundle), String(ref), 'bundle files are missing');
      for (const file of files) {
        const target = join(tmp, ...file.path.slice(prefix.length).split('/'));
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, await c.store.read(file.path));
      }
      await verifyBundle(tmp);
      // Another infer may have finished the same download first (and be reading it): its copy is as good
      // as ours. Only a copy that fails verification (a crash mid-write of an older cvc) is replaced.
      const placed = await rename(tmp, dir).then(
        () => true,
        () => false,
      );
      if (
        !placed &&
        !(await verifyBundle(dir).then(
          () => true,
          () => false,
        ))
      ) {
        await rm(dir, { recursive: true, force: true });
        await rename(tmp, dir);
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  await verifyBundle(dir);
  return { version: f.version, bundleDir: dir, info: info(c, f, state) };
}

export function remoteRegistry(o: RemoteRegistryOptions): ModelRegistry {
  const c = open(o);
  return {
    backend: 'azure',
    name: o.name,
    register: (dir, opts) => registerVersion(c, dir, opts ?? {}),
    list: async () => {
      const { state } = await latestState(c);
      const out: ModelVersionInfo[] = [];
      for (const v of await versionNumbers(c)) {
        const f = await readVersionFile(c, v);
        if (f) out.push(info(c, f, state));
      }
      return out;
    },
    show: async (ref) => {
      const { state } = await latestState(c);
      return info(c, await showVersion(c, ref, state), state);
    },
    setAlias: (alias, version) => setAlias(c, alias, version),
    promote: (version, alias) => setAlias(c, alias ?? 'champion', version, 'promoted by user'),
    rollback: (alias) => rollback(c, alias),
    resolve: (ref) => resolveVersion(c, ref),
    collectGarbage: (opts) => collectGarbage(c, opts.graceMs),
  };
}
