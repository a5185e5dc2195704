// Reads a bundle back: format version first, then the manifest schema, then every file against its
// sha256 (and no file the manifest does not list), and only then the models through their factories.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError, type ForecasterFactory, type Forecaster } from '@cvc/core';
import { BundleIntegrityError, BundleManifestError, BundleVersionError, UnknownModelKindError } from '../errors.js';
import { listFiles, sha256File } from './files.js';
import {
  BUNDLE_FORMAT_VERSION,
  MANIFEST_FILE,
  manifestHeadSchema,
  manifestSchema,
  type BundleManifest,
} from './manifest.js';
import { MLFLOW_SIDE_FILES } from './pyfunc.js';
import { checkSignature, SIGNATURE_FILE } from './signature.js';
import { UnifiedForecaster } from './unified.js';

/** Factories by kind, as a Map or a list (each factory knows its kind). */
export type FactorySet = ReadonlyMap<string, ForecasterFactory> | readonly ForecasterFactory[];

function toMap(factories: FactorySet): ReadonlyMap<string, ForecasterFactory> {
  if (factories instanceof Map) return factories;
  return new Map((factories as readonly ForecasterFactory[]).map((f) => [f.kind, f]));
}

/** Parses manifest.json of a bundle directory without checking the files. */
export async function readManifest(dir: string): Promise<BundleManifest> {
  const file = join(resolve(dir), MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const hint = 'one comes from `cvc train`, or a file from `cvc models export`';
      throw new BundleManifestError(file, `missing: not a cvc bundle directory (${hint})`);
    }
    throw new BundleManifestError(file, `cannot read or parse (${code ?? (err as Error).message})`);
  }
  const head = manifestHeadSchema.safeParse(raw);
  if (!head.success) throw new BundleManifestError(file, 'formatVersion: expected a positive integer');
  if (head.data.formatVersion > BUNDLE_FORMAT_VERSION) {
    throw new BundleVersionError(file, head.data.formatVersion, BUNDLE_FORMAT_VERSION);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BundleManifestError(file, `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export interface VerifyOptions {
  /** registry.signingKey: when set, the bundle must carry a signature made with it (see signature.ts). */
  signingKey?: string | undefined;
}

/** Checks every file of the bundle against the manifest; returns the manifest. Loads no model. */
export async function verifyBundle(dir: string, opts: VerifyOptions = {}): Promise<BundleManifest> {
  const root = resolve(dir);
  const manifest = await readManifest(root);
  if (opts.signingKey) await checkSignature(root, opts.signingKey);
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  for (const f of manifest.files) {
    const abs = join(root, ...f.path.split('/'));
    let size: number;
    try {
      const st = await stat(abs);
      if (!st.isFile()) throw new BundleIntegrityError(abs, 'not a regular file');
      size = st.size;
    } catch (err) {
      if (err instanceof BundleIntegrityError) throw err;
      throw new BundleIntegrityError(abs, 'missing: the manifest lists it but the bundle does not hold it');
    }
    // Size first: a truncated copy is the common case and costs no hashing.
    if (size !== f.bytes)
      throw new BundleIntegrityError(abs, `size ${size} bytes, manifest says ${f.bytes} (truncated or modified)`);
    const sha = await sha256File(abs);
    if (sha !== f.sha256)
      throw new BundleIntegrityError(
        abs,
        `sha256 ${sha} does not match the manifest (${f.sha256}): tampered or corrupt`,
      );
  }
  // MLflow's own additions to a model it downloads (registered_model_meta, the loader's bytecode) are not bundle files.
  for (const path of await listFiles(root, new Set([MANIFEST_FILE, SIGNATURE_FILE, ...MLFLOW_SIDE_FILES]))) {
    if (!listed.has(path))
      throw new BundleIntegrityError(
        join(root, path),
        'not listed in the manifest (added after the bundle was written)',
      );
  }
  for (const m of manifest.models) {
    if (!manifest.files.some((f) => f.path.startsWith(`${m.dir}/`))) {
      throw new BundleIntegrityError(join(root, m.dir), `model "${m.kind}" has no files`);
    }
  }
  return manifest;
}

/** Verifies the bundle, loads every model with its factory and returns the routed forecaster. */
export async function readBundle(
  dir: string,
  factories: FactorySet,
  opts: VerifyOptions = {},
): Promise<UnifiedForecaster> {
  const root = resolve(dir);
  const manifest = await verifyBundle(root, opts);
  const byKind = toMap(factories);
  const models = new Map<string, Forecaster>();
  for (const m of manifest.models) {
    const factory = byKind.get(m.kind);
    if (!factory) throw new UnknownModelKindError(join(root, MANIFEST_FILE), m.kind);
    const modelDir = join(root, ...m.dir.split('/'));
    try {
      models.set(m.kind, await factory.load(modelDir));
    } catch (err) {
      // Whatever the files hold, a model that does not load is a bad bundle (exit 2), named by file
      // when the loader says which one (@cvc/lightgbm's ModelFileError does).
      if (err instanceof InputError) throw err;
      const e = err as Error & { file?: unknown; reason?: unknown };
      const file = typeof e.file === 'string' ? e.file : modelDir;
      const reason = typeof e.reason === 'string' ? e.reason : e.message;
      throw new BundleIntegrityError(file, `model "${m.kind}" could not be loaded: ${reason}`);
    }
  }
  return new UnifiedForecaster(manifest, models, root);
}
